import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  ServiceUnavailableException,
} from '@nestjs/common';

/** 400: the body of PUT /consent is not a valid decision. Nothing was changed. */
export class InvalidConsentException extends BadRequestException {}

/** 409: the decision was made under an older policy version than the current one. */
export class StalePolicyVersionException extends ConflictException {
  constructor(sent: unknown, current: string) {
    super(
      `policyVersion ${JSON.stringify(sent)} is not the current policy version '${current}'; reload the consent configuration and ask again.`,
    );
  }
}

/** 409: the decision names a text hash that is not the current text of any language (changed since, or wrong). */
export class StaleTextException extends ConflictException {
  constructor(sent: string) {
    super(
      `textHash '${sent}' is not the hash of the current text in any language; reload GET /consent/config, show its texts and ask again.`,
    );
  }
}

/**
 * 409: the request sends `Sec-GPC: 1` and grants a sale/sharing (gpcOptOut) category without `gpcOverride: true`,
 * the confirmation that the person saw the notice of the conflict. Nothing was changed.
 */
export class GpcConflictException extends ConflictException {
  constructor(categories: string[]) {
    super(
      `Your browser sends a Global Privacy Control signal, which refuses ${categories.map((c) => `'${c}'`).join(', ')}; ` +
        'to grant it anyway, show the notice of the conflict and send gpcOverride: true with the decision.',
    );
  }
}

/** 403 from `@RequiresConsent()`. */
export class ConsentRequiredException extends ForbiddenException {
  constructor(categories: string[]) {
    super(
      `This requires consent to the ${categories.map((c) => `'${c}'`).join(', ')} categor${categories.length === 1 ? 'y' : 'ies'}, which has not been granted.`,
    );
  }
}

/** 503: the consent database is unreachable; no record or event was written. */
export class ConsentUnavailableException extends ServiceUnavailableException {
  constructor() {
    super('Consent storage is unavailable; nothing was recorded. Try again shortly.');
  }
}
