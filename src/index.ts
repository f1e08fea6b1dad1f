/**
 * The public API of `nestjs-auth-consent`: what apps use, and only that (covered by semver; the API report
 * `etc/nestjs-auth-consent.api.md` is checked by `npm test` (`npm run api:check`; `npm run api:update` after a
 * deliberate change, noted in the CHANGELOG). Everything else is internal.
 */

// The module and its setup
export { AuthConsentModule } from './auth-consent.module.js';
export type { AuthConsentModuleExtras } from './auth-consent.module-definition.js';
export type { AuthConsentModuleOptions, ResolvedAuthConsentOptions } from './auth-consent.options.js';
export {
  getAuthConsentDataSourceToken,
  getAuthConsentOptionsToken,
  getAuthConsentRedisToken,
} from './auth-consent.constants.js';
export { AuthConsentConfigError } from './auth-consent.exceptions.js';
export { AuthConsentExceptionFilter } from './common/auth-consent-exception.filter.js';
export { createAuthConsentValidationPipe } from './common/validation.pipe.js';
export { connectionOptionsFromUrl } from './database/database-url.js';

// Guards and decorators
export { AuthenticatedGuard } from './auth/authenticated.guard.js';
export { RolesGuard } from './auth/roles.guard.js';
export { Roles } from './auth/roles.decorator.js';
export { CurrentUser } from './auth/current-user.decorator.js';
export { AdminGuard } from './admin/admin.guard.js';
export { ConsentGuard } from './consent/consent.guard.js';
export { RequiresConsent } from './consent/requires-consent.decorator.js';
export { Consent } from './consent/consent.decorator.js';

// Services an app injects, and what it implements
export { AuthService } from './auth/auth.service.js';
export { LoginSessionService, type LogInOptions } from './auth/login-session.service.js';
export { SessionService, type SessionInfo } from './session/session.service.js';
export { UserStore, type StoredUser, type UserSearch } from './auth/user.store.js';
export { LoginListener } from './auth/login.listener.js';
export type { AuthUser } from './auth/auth-user.js';
export { UsernameTakenError, PasswordPolicyError } from './auth/auth.exceptions.js';
export { ConsentService, type ConsentHistoryEntry } from './consent/consent.service.js';
export type { ConsentCategory } from './consent/consent.options.js';
export type { ConsentDecisions, ConsentState, ConsentSubject } from './consent/consent-subject.js';
export type { ConsentVerifyReport } from './consent/consent-audit.service.js';
export { runConsentVerify } from './consent/consent-verify.command.js';
export { AdminAuditService } from './admin/admin-audit.service.js';
export { HealthService, type HealthReport } from './health/health.service.js';
