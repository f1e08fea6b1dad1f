import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { tokensOf } from '../common/provider-tokens.js';
import { groupControllers } from '../routes/route-group.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminAuditService } from './admin-audit.service.js';
import { AdminConsentEventsService } from './admin-consent-events.service.js';
import { AdminConsentExportService } from './admin-consent-export.service.js';
import { AdminConsentStatsService } from './admin-consent-stats.service.js';
import { AdminConsentSubjectService } from './admin-consent-subject.service.js';
import { AdminConsentVerifyService } from './admin-consent-verify.service.js';
import { AdminConsentController } from './admin-consent.controller.js';
import { AdminCursorCodec } from './admin-cursor.codec.js';
import { AdminSessionsController } from './admin-sessions.controller.js';
import { AdminUserSessionsController } from './admin-user-sessions.controller.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersService } from './admin-users.service.js';
import { AdminGuard } from './admin.guard.js';

/** Always provided, routes mounted or not: an app's AdminGuard, and the audit log of its own revocations. */
const providers: Provider[] = [
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

const controllers = [
  AdminConsentController,
  AdminAuditController,
  AdminUserSessionsController,
  AdminUsersController,
  AdminSessionsController,
];

/** Administration: users, sessions, consent records, their export and verification, the admin audit log, at `<routes.admin>`. */
@Module({})
export class AdminModule {
  static register(
    core: DynamicModule,
    auth: DynamicModule,
    consent: DynamicModule,
    routes: ResolvedRoutes,
  ): DynamicModule {
    return {
      module: AdminModule,
      imports: [core, auth, consent],
      providers,
      controllers: groupControllers('admin', routes, controllers),
      exports: tokensOf(providers),
    };
  }
}
