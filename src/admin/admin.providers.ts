import type { Provider, Type } from '@nestjs/common';
import { AdminAuditService } from './admin-audit.service.js';
import { AdminConsentEventsService } from './admin-consent-events.service.js';
import { AdminConsentExportService } from './admin-consent-export.service.js';
import { AdminConsentStatsService } from './admin-consent-stats.service.js';
import { AdminConsentSubjectService } from './admin-consent-subject.service.js';
import { AdminConsentVerifyService } from './admin-consent-verify.service.js';
import { AdminCursorCodec } from './admin-cursor.codec.js';
import { AdminGuard } from './admin.guard.js';
import { AdminUsersService } from './admin-users.service.js';

/** The admin feature's services: always provided (the lead's session revocations write the audit log too). */
export const adminProviders: Provider[] = [
  AdminGuard,
  AdminCursorCodec,
  AdminAuditService,
  AdminConsentSubjectService,
  AdminConsentEventsService,
  AdminConsentExportService,
  AdminConsentStatsService,
  AdminConsentVerifyService,
  AdminUsersService,
];

export const adminExports: Array<string | symbol | Type> = [AdminGuard, AdminAuditService, AdminConsentEventsService];
