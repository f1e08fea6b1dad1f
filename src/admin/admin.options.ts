import { AuthConsentConfigError } from '../auth-consent.exceptions.js';

/** The role a user needs for every admin route when `adminRole` is not set. */
export const DEFAULT_ADMIN_ROLE = 'admin';

/** Validates the `adminRole` option (default `'admin'`); throws AuthConsentConfigError naming it. */
export function resolveAdminRole(value: unknown): string {
  if (value === undefined) return DEFAULT_ADMIN_ROLE;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    throw new AuthConsentConfigError(
      `adminRole must be a role name of 1-64 letters, digits, _ . : or -; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}
