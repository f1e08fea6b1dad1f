import { Logger, type Provider } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';

/** The keys derived from `consent.auditSecret`: one per use, so a leaked cookie key never forges audit hashes. */
export interface ConsentKeys {
  audit: Buffer;
  cookie: Buffer;
  /** Keys the subject pseudonym that format-2 events and checkpoints bind (never stored for a live subject). */
  subject: Buffer;
}

/** Internal token of {@link ConsentKeys}. */
export const CONSENT_KEYS = Symbol('CONSENT_KEYS');

export const consentKeysProvider: Provider = {
  provide: CONSENT_KEYS,
  inject: [AUTH_CONSENT_OPTIONS],
  useFactory: (options: ResolvedAuthConsentOptions): ConsentKeys => {
    let secret = options.consent.auditSecret;
    if (!secret) {
      if (options.production) {
        throw new AuthConsentConfigError(
          'consent.auditSecret is required in production (set CONSENT_AUDIT_SECRET to at least 32 random characters): without it the audit chain cannot be verified after a restart.',
        );
      }
      new Logger('ConsentKeys').warn(
        'No consent.auditSecret configured: a random one is used, so audit chains written now cannot be verified after a restart (development only).',
      );
      secret = randomBytes(48).toString('base64url');
    }
    const derive = (use: string) => createHmac('sha256', secret).update(`nestjs-auth-consent:${use}`).digest();
    return { audit: derive('audit-chain'), cookie: derive('visitor-cookie'), subject: derive('subject-pseudonym') };
  },
};
