import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { editWriteHeadHeader, filterSetCookies, writeHeadHeadersIndex } from '../common/write-head-headers.js';
import { deferConsentContext, getConsentContext, setConsentContext } from './consent-context.js';
import { ConsentPolicy } from './consent.policy.js';
import { ConsentVisitorCookie } from './consent-visitor.cookie.js';
import { ConsentContextService } from './consent-context.service.js';
import { isDeletingSetCookie, parseCookieDate, setCookieName } from './set-cookie.js';

/**
 * The response's time as a browser judges Expires against it: browsers correct for clock skew with the
 * response's Date header (Chromium), so a Date the app set that is earlier than now counts, and one that
 * cannot be read makes no Expires count as past.
 */
function responseTime(res: Response, args: unknown[]): number {
  const dates: unknown[] = [];
  editWriteHeadHeader(args, 'date', (value) => (dates.push(value), value));
  dates.push(res.getHeader('date'));
  let at = Date.now();
  for (const date of dates.flat()) {
    if (date === undefined) continue;
    const parsed = parseCookieDate(String(date));
    at = Number.isNaN(parsed) ? -Infinity : Math.min(at, parsed);
  }
  return at;
}

/**
 * The server-side cookie gate, the consent stage of the module's middleware. The request's consent (signed
 * visitor cookie or session snapshot: no SQL in steady state) is resolved on first use; as the response's
 * headers are written (every response's pass through `writeHead`, implicit ones too) it removes each
 * Set-Cookie whose cookie belongs to a category the subject has not granted, whoever set it (`res.cookie`,
 * `setHeader`, `append`, another middleware).
 */
@Injectable()
export class ConsentGate {
  private readonly logger = new Logger(ConsentGate.name);
  private readonly warned = new Set<string>();
  private readonly ownCookies: Set<string>;

  constructor(
    private readonly consent: ConsentContextService,
    private readonly policy: ConsentPolicy,
    visitorCookie: ConsentVisitorCookie,
    @Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions,
  ) {
    // The module's own cookies are strictly necessary.
    this.ownCookies = new Set([options.session.cookieName, visitorCookie.name]);
  }

  /** Every request of the app resolves its context on first use, with no I/O (see getConsentContext). */
  installOn(requestPrototype: object): void {
    deferConsentContext(requestPrototype as Request, this.consent);
  }

  /**
   * Resolves now only the context of a user whose snapshot must be read from the database (a database
   * failure leaves that user undecided: fail closed); everyone else's is resolved on first use.
   */
  begin(req: Request): Promise<void> | undefined {
    if (!this.consent.needsLookup(req)) return undefined;
    return this.consent.resolveContext(req).then((ctx) => setConsentContext(req, ctx));
  }

  /** Whether a Set-Cookie value may leave, under the decisions in force when headers are written. */
  private allowed(req: Request, res: Response, args: unknown[]): (value: string) => boolean {
    const decisions = this.consent.effectiveDecisions(getConsentContext(req));
    let now: number | undefined;
    const reference = () => (now ??= responseTime(res, args));
    return (value) => {
      const name = setCookieName(value);
      if (this.ownCookies.has(name) || isDeletingSetCookie(value, reference)) return true;
      const category = this.policy.categoryOfCookie(name);
      if (category === undefined) {
        const mode = this.policy.options.undeclaredCookies;
        if (mode === 'warn' && !this.warned.has(name)) {
          this.warned.add(name);
          this.logger.warn(
            `Cookie '${name}' is set but declared by no consent category; declare it or set consent.undeclaredCookies.`,
          );
        }
        return mode !== 'block';
      }
      return decisions[category] === true;
    };
  }

  /**
   * Called as the response's headers are written, with writeHead's arguments (edited in place, see
   * write-head-headers.ts): filters the Set-Cookie values set with setHeader and those passed to writeHead,
   * in every form Node accepts.
   */
  beforeHeaders(req: Request, res: Response, args: unknown[]): void {
    const stored = res.getHeader('set-cookie');
    const passed = args[writeHeadHeadersIndex(args)];
    // Most responses set no cookie and pass no headers: nothing to look at.
    if (stored === undefined && (typeof passed !== 'object' || passed === null)) return;
    let keeper: ((value: string) => boolean) | undefined;
    // Decisions are looked up only for a response that sets a cookie.
    const keep = (value: string) => (keeper ??= this.allowed(req, res, args))(value);
    filterSetCookies(res, args, keep);
  }
}
