import { InitialSchema1763700000000 } from './1763700000000-initial-schema.js';
import { ConsentAudit1763710000000 } from './1763710000000-consent-audit.js';
import { AdminIndexes1763730000000 } from './1763730000000-admin-indexes.js';
import { ConsentEventFormat1763740000000 } from './1763740000000-consent-event-format.js';
import { UserLastSignIn1763750000000 } from './1763750000000-user-last-sign-in.js';
import { ConsentEventDetail1763770000000 } from './1763770000000-consent-event-detail.js';

/** Every migration of the module, oldest first: pass it as `migrations` to a DataSource that holds the module's tables. */
export const authConsentMigrations = [
  InitialSchema1763700000000,
  ConsentAudit1763710000000,
  AdminIndexes1763730000000,
  ConsentEventFormat1763740000000,
  UserLastSignIn1763750000000,
  ConsentEventDetail1763770000000,
];
