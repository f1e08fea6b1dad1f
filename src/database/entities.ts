import { AdminAuditEntity } from '../admin/admin-audit.entity.js';
import { ConsentEventCategoryEntity } from '../admin/consent-event-category.entity.js';
import { UserEntity } from '../auth/user.entity.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { ConsentRecordEntity } from '../consent/consent-record.entity.js';

/** Every entity the module maps; its tables come from `migrations/`. */
export const authConsentEntities = [UserEntity, ConsentRecordEntity, ConsentEventEntity, ConsentEventCategoryEntity, AdminAuditEntity];
