/** DI token of the node-redis client the module uses (`null` with the in-process store). */
export const AUTH_CONSENT_REDIS = Symbol('AUTH_CONSENT_REDIS');
/** DI token of the TypeORM `DataSource` holding the module's tables. */
export const AUTH_CONSENT_DATA_SOURCE = Symbol('AUTH_CONSENT_DATA_SOURCE');
/** DI token of the merged, validated options ({@link ResolvedAuthConsentOptions}). */
export const AUTH_CONSENT_OPTIONS = Symbol('AUTH_CONSENT_OPTIONS');
/** DI token of where each route group is mounted ({@link ResolvedRoutes}: a path, or `false`). */
export const AUTH_CONSENT_ROUTES = Symbol('AUTH_CONSENT_ROUTES');

/** The token of the TypeORM DataSource holding the module's tables: `@Inject(getAuthConsentDataSourceToken())` (as `@nestjs/typeorm`'s `getDataSourceToken()`). */
export function getAuthConsentDataSourceToken(): symbol {
  return AUTH_CONSENT_DATA_SOURCE;
}

/** The token of the node-redis client the module uses (`null` with the in-process store). */
export function getAuthConsentRedisToken(): symbol {
  return AUTH_CONSENT_REDIS;
}

/** The token of the resolved options (`ResolvedAuthConsentOptions`): the session cookie's name, the categories, … */
export function getAuthConsentOptionsToken(): symbol {
  return AUTH_CONSENT_OPTIONS;
}
