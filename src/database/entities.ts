import { AdminAuditEntity } from '../admin/admin-audit.entity.js';
import { ConsentEventCategoryEntity } from '../consent/consent-event-category.entity.js';
import { UserEntity } from '../auth/user.entity.js';
import { ConsentCheckpointEntity } from '../consent/consent-checkpoint.entity.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { ConsentHeadEntity } from '../consent/consent-head.entity.js';
import { ConsentRecordEntity } from '../consent/consent-record.entity.js';

/** Every entity the module maps; its tables come from `migrations/`. */
export const authConsentEntities = [
  UserEntity,
  ConsentRecordEntity,
  ConsentEventEntity,
  ConsentHeadEntity,
  ConsentCheckpointEntity,
  ConsentEventCategoryEntity,
  AdminAuditEntity,
];
