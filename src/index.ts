export { AuthConsentModule } from './auth-consent.module.js';
export type { AuthConsentModuleExtras } from './auth-consent.module-definition.js';
export { resolveOptions } from './auth-consent.options.js';
export type { AuthConsentModuleOptions, DatabaseOptions, ResolvedAuthConsentOptions, SessionOptions } from './auth-consent.options.js';
export { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS } from './auth-consent.constants.js';
export { AuthConsentConfigError } from './auth-consent.exceptions.js';
export { parseDuration, type Duration } from './common/duration.js';
export { AuthConsentExceptionFilter } from './common/json-exception.filter.js';
export { createAuthConsentValidationPipe } from './common/validation.pipe.js';
export { connectionOptionsFromUrl, DEFAULT_DATABASE_URL } from './database/database-url.js';
export { authConsentEntities } from './database/entities.js';
export { HealthService, type HealthReport } from './health/health.service.js';
export type { AuthUser } from './auth/auth-user.js';
export { LoginListener } from './auth/login-listener.js';
export type { AuthOptions } from './auth/auth.options.js';
export type { ConsentOptions } from './consent/consent.options.js';
export { Clock, SystemClock } from './common/clock.js';
export type { SessionLimitPolicy } from './auth/auth.options.js';
export { AuthenticatedGuard } from './auth/authenticated.guard.js';
export { RolesGuard } from './auth/roles.guard.js';
export { Roles } from './auth/roles.decorator.js';
export { CurrentUser } from './auth/current-user.decorator.js';
export { AuthService } from './auth/auth.service.js';
export { UserStore, type StoredUser } from './auth/user-store.js';
export { TypeOrmUserStore } from './auth/typeorm-user.store.js';
export { foldUsername } from './auth/username.js';
export { PasswordHasher } from './auth/password-hasher.service.js';
export {
  InvalidCredentialsException,
  NotSignedInException,
  PasswordPolicyError,
  TooManyLoginAttemptsException,
  UsernameTakenError,
} from './auth/auth.exceptions.js';
export { SessionService, type SessionInfo } from './session/session.service.js';
export { SessionBackend } from './session/session-backend.js';
export { sessionHandle } from './session/session-token.js';
export { CrossOriginRequestException, SessionLimitException, SessionStoreUnavailableException } from './session/session.exceptions.js';
