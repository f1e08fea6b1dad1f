import { AuthConsentConfigError } from '../auth-consent.exceptions.js';

/** The role a user needs for every admin route when `adminRole` is not set. */
export const DEFAULT_ADMIN_ROLE = 'admin';

/** Validates the `adminRole` option (default `'admin'`); throws AuthConsentConfigError naming it. */
export function resolveAdminRole(value: unknown): string {
  if (value === undefined) return DEFAULT_ADMIN_ROLE;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    throw new AuthConsentConfigError(`adminRole must be a role name of 1-64 letters, digits, _ . : or -; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Validates the `adminPath` extra of forRoot/forRootAsync (default `'admin'`) and returns it without surrounding slashes. */
export function resolveAdminPath(value: unknown): string {
  if (value === undefined) return 'admin';
  const path = typeof value === 'string' ? value.replace(/^\/+|\/+$/g, '') : undefined;
  if (path === undefined || !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(path)) {
    throw new AuthConsentConfigError(`adminPath must be a route path such as 'admin' or 'internal/admin'; got ${JSON.stringify(value)}.`);
  }
  return path;
}
