/** A module option is missing or invalid; the message names the option and the fix. */
export class AuthConsentConfigError extends Error {
  override readonly name = 'AuthConsentConfigError';
}
