export { AuthConsentModule } from './auth-consent.module.js';
export type { AuthConsentModuleExtras } from './auth-consent.module-definition.js';
export { resolveOptions } from './auth-consent.options.js';
export type { AuthConsentModuleOptions, DatabaseOptions, ResolvedAuthConsentOptions, SessionOptions } from './auth-consent.options.js';
export { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS, AUTH_CONSENT_ROUTES } from './auth-consent.constants.js';
export { resolveRoutes, type AuthConsentRoutes, type ResolvedRoutes, type RouteGroup } from './routes/routes.options.js';
export { AuthConsentConfigError } from './auth-consent.exceptions.js';
export { parseDuration, type Duration } from './common/duration.js';
export { AuthConsentExceptionFilter } from './common/json-exception.filter.js';
export { createAuthConsentValidationPipe } from './common/validation.pipe.js';
export { connectionOptionsFromUrl, DEFAULT_DATABASE_URL } from './database/database-url.js';
export { DEFAULT_TABLE_PREFIX } from './database/table-prefix.js';
export { authConsentEntities } from './database/entities.js';
export { HealthService, type HealthReport } from './health/health.service.js';
export type { AuthUser } from './auth/auth-user.js';
export { LoginListener } from './auth/login-listener.js';
export type { AuthOptions } from './auth/auth.options.js';
export { Clock, SystemClock } from './common/clock.js';
export type {
  ConsentCategory,
  ConsentCookieDeclaration,
  ConsentModeLinks,
  ConsentOptions,
  ConsentTranslation,
  ResolvedConsentCategory,
  ResolvedConsentOptions,
} from './consent/consent.options.js';
export type { ConsentRegionOptions, ConsentRuleSet } from './consent/consent-regions.js';
export { ConsentService, type ConsentHistoryEntry } from './consent/consent.service.js';
export { ConsentPolicy, type ConsentConfigView } from './consent/consent-policy.service.js';
export type { ConsentVerifyReport, ConsentVerifyProgress, ConsentVerifyOptions, ConsentCheckpointReport } from './consent/consent-audit.service.js';
export type { ConsentAction, ConsentDecisions, ConsentSnapshot, ConsentSource, ConsentState, ConsentSubject } from './consent/consent-subject.js';
export { ConsentSessionSync } from './consent/consent-session-sync.js';
export { ConsentGuard } from './consent/consent.guard.js';
export { RequiresConsent } from './consent/requires-consent.decorator.js';
export { Consent } from './consent/consent.decorator.js';
export { ConsentLoginListener } from './consent/consent-login.listener.js';
export { runConsentVerify, type ConsentVerifyCliOptions, type ConsentVerifyProgressStream } from './consent/consent-verify.command.js';
export { ConsentRequiredException, ConsentUnavailableException, InvalidConsentException, StalePolicyVersionException } from './consent/consent.exceptions.js';
export type { SessionLimitPolicy } from './auth/auth.options.js';
export { AuthenticatedGuard } from './auth/authenticated.guard.js';
export { RolesGuard } from './auth/roles.guard.js';
export { Roles } from './auth/roles.decorator.js';
export { CurrentUser } from './auth/current-user.decorator.js';
export { AuthService } from './auth/auth.service.js';
export { UserStore, type StoredUser, type UserSearch } from './auth/user-store.js';
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
export { sessionHandle } from './session/session-id.js';
export { LoginSessionService, type LogInOptions } from './auth/login-session.service.js';
export { CrossOriginRequestException, LoginRefusedException, SessionLimitException, SessionStoreUnavailableException } from './session/session.exceptions.js';
export { AdminGuard } from './admin/admin.guard.js';
export { AdminAuditService, type AdminActor, type AdminAuditTarget, type AdminAuditView } from './admin/admin-audit.service.js';
export { AdminConsentEventsService } from './admin/admin-consent-events.service.js';
export { ConsentEventCategoryIndexer } from './consent/consent-event-category.indexer.js';
export { ConsentEventCategoryEntity } from './consent/consent-event-category.entity.js';
export { AdminAuditEntity } from './admin/admin-audit.entity.js';
export { CONSENT_EVENT_CSV_COLUMNS } from './admin/consent-event.csv.js';
export type { ConsentEventView } from './admin/consent-event.view.js';
export type { ConsentSubjectView } from './admin/admin-consent-subject.service.js';
export type { ConsentStatsView, ConsentStatsDay, CategoryStats } from './admin/admin-consent-stats.service.js';
export type { AdminPage, ConsentEventFilters } from './admin/admin-query.types.js';
export { ConsentReceiptService, CONSENT_RECEIPT_SCHEMA, type ConsentReceipt, type ConsentReceiptChain, type ConsentReceiptEvent, type ConsentReceiptPurpose } from './consent/consent-receipt.service.js';
export type { AdminSessionView } from './admin/admin-session.view.js';
export type { AdminUserView } from './admin/admin-users.service.js';
export { AdminConsentVerifyService, type ConsentSubjectVerifyView, type ConsentVerifyLine } from './admin/admin-consent-verify.service.js';
