import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { ThrottleBackend } from '../auth/throttle.backend.js';

/** 429 for an anonymous consent write over `consent.anonymousWriteLimit`; `Retry-After` is set. */
export class TooManyConsentWritesException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many consent decisions from this address; try again later', HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * The rate limit on consent writes by callers who are not signed in (issue 15, item 7), per client address,
 * kept by the throttle backend (Redis across instances, else in process). Signed-in users are limited by
 * their sign-in; their writes are not counted here.
 */
@Injectable()
export class ConsentWriteLimit {
  private readonly limit: { max: number; windowMs: number } | false;

  constructor(
    private readonly backend: ThrottleBackend,
    @Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions,
  ) {
    this.limit = options.consent.anonymousWriteLimit;
  }

  /** PUT / DELETE /consent: counts an anonymous caller's write; 429 with Retry-After over the limit. */
  async write(req: Request, res: Response): Promise<void> {
    const wait = await this.hit('consent:write', req);
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      res.setHeader('Retry-After', String(seconds));
      throw new TooManyConsentWritesException(seconds);
    }
  }

  /**
   * GET /consent with `Sec-GPC: 1` (a GET that may record the GPC refusal), counted apart from decisions:
   * false over the limit, and the GET is then answered without recording (the state still honours GPC, and
   * with no decision the gate lets no optional cookie through).
   */
  async mayRecordGpc(req: Request): Promise<boolean> {
    if (req.headers['sec-gpc'] !== '1') return true;
    return (await this.hit('consent:gpc', req)) === 0;
  }

  private async hit(kind: string, req: Request): Promise<number> {
    if (this.limit === false || req.user) return 0;
    const key = `throttle:${kind}:${createHash('sha256')
      .update(req.ip ?? '', 'utf8')
      .digest('base64url')}`;
    try {
      return await this.backend.hit(key, this.limit.max, this.limit.windowMs);
    } catch {
      // Fails open: a visitor's decision needs no Redis (it lives in the database and the visitor cookie), and
      // a Redis outage must not stop refusals from being recorded. The limit is against abuse, not a gate.
      return 0;
    }
  }
}
