import { Controller, type Provider, type Type } from '@nestjs/common';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminAuditService } from './admin-audit.service.js';
import { AdminConsentEventsService } from './admin-consent-events.service.js';
import { AdminConsentExportService } from './admin-consent-export.service.js';
import { AdminConsentStatsService } from './admin-consent-stats.service.js';
import { AdminConsentSubjectService } from './admin-consent-subject.service.js';
import { AdminConsentVerifyService } from './admin-consent-verify.service.js';
import { AdminConsentController } from './admin-consent.controller.js';
import { AdminCursorCodec } from './admin-cursor.codec.js';
import { AdminGuard } from './admin.guard.js';
import { AdminSessionsController } from './admin-sessions.controller.js';
import { AdminUserSessionsController } from './admin-user-sessions.controller.js';
import { AdminUsersController } from './admin-users.controller.js';
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

/** Controllers other features add under the admin path, as [relative path, controller class]. */
export const adminRoutes: Array<[string, Type]> = [
  ['consent', AdminConsentController],
  ['audit', AdminAuditController],
  ['users', AdminUserSessionsController],
  ['users', AdminUsersController],
  ['sessions', AdminSessionsController],
];

/**
 * The admin controllers mounted under `path`: the path is an option of forRoot, while a controller's path is
 * decorator metadata, so each controller is subclassed and decorated here (routes, guards and injections are
 * inherited).
 */
export function createAdminControllers(path: string): Type[] {
  return adminRoutes.map(([sub, base]) => {
    const mounted = { [base.name]: class extends (base as Type<object>) {} }[base.name];
    Controller(`${path}/${sub}`)(mounted);
    return mounted;
  });
}
