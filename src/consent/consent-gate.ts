import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { OutgoingHttpHeaders } from 'node:http';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { deferConsentContext, getConsentContext, setConsentContext } from './consent-context.js';
import { ConsentPolicy } from './consent-policy.service.js';
import { ConsentVisitorCookie } from './consent-visitor-cookie.js';
import { ConsentService } from './consent.service.js';

/** The cookie name of a Set-Cookie value. */
function cookieName(setCookie: string): string {
  const eq = setCookie.indexOf('=');
  return (eq < 0 ? setCookie : setCookie.slice(0, eq)).trim();
}

/** A Set-Cookie that deletes its cookie stores nothing, so it always passes (withdrawal relies on it). */
function isExpiring(setCookie: string): boolean {
  const maxAge = /;\s*max-age\s*=\s*(-?\d+)/i.exec(setCookie);
  if (maxAge) return Number(maxAge[1]) <= 0;
  const expires = /;\s*expires\s*=\s*([^;]+)/i.exec(setCookie);
  if (expires) {
    const at = Date.parse(expires[1]);
    return Number.isFinite(at) && at <= Date.now();
  }
  return false;
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
    private readonly consent: ConsentService,
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
  private allowed(req: Request): (value: string) => boolean {
    const decisions = this.consent.effectiveDecisions(getConsentContext(req));
    return (value) => {
      const name = cookieName(value);
      if (this.ownCookies.has(name) || isExpiring(value)) return true;
      const category = this.policy.categoryOfCookie(name);
      if (category === undefined) {
        const mode = this.policy.options.undeclaredCookies;
        if (mode === 'warn' && !this.warned.has(name)) {
          this.warned.add(name);
          this.logger.warn(`Cookie '${name}' is set but declared by no consent category; declare it or set consent.undeclaredCookies.`);
        }
        return mode !== 'block';
      }
      return decisions[category] === true;
    };
  }

  /** Called as the response's headers are written, with writeHead's arguments. */
  beforeHeaders(req: Request, res: Response, args: unknown[]): void {
    const current = res.getHeader('set-cookie');
    // Headers handed straight to writeHead(status, [message], headers) bypass setHeader.
    const headers = typeof args[1] === 'string' ? args[2] : args[1];
    // Most responses set no cookie and pass no headers: nothing to look at.
    if (current === undefined && (headers === undefined || headers === null)) return;
    let keeper: ((value: string) => boolean) | undefined;
    // Decisions are looked up only for a response that sets a cookie.
    const keep = (value: string) => (keeper ??= this.allowed(req))(value);
    if (current !== undefined) {
      const values = (Array.isArray(current) ? current : [current]).map(String);
      const kept = values.filter(keep);
      if (kept.length === 0) res.removeHeader('set-cookie');
      else if (kept.length !== values.length) res.setHeader('set-cookie', kept);
    }
    if (Array.isArray(headers)) {
      // Raw form: [name, value, name, value, …] or [[name, value], …].
      if (headers.length > 0 && Array.isArray(headers[0])) {
        const pairs = headers as Array<[string, string]>;
        for (let i = pairs.length - 1; i >= 0; i--) if (/^set-cookie$/i.test(pairs[i][0]) && !keep(String(pairs[i][1]))) pairs.splice(i, 1);
      } else {
        for (let i = headers.length - 2; i >= 0; i -= 2) if (/^set-cookie$/i.test(String(headers[i])) && !keep(String(headers[i + 1]))) headers.splice(i, 2);
      }
    } else if (headers && typeof headers === 'object') {
      const h = headers as OutgoingHttpHeaders;
      for (const key of Object.keys(h)) {
        if (!/^set-cookie$/i.test(key)) continue;
        const v = h[key];
        const kept = (Array.isArray(v) ? v : [v]).map(String).filter(keep);
        if (kept.length === 0) delete h[key];
        else h[key] = kept;
      }
    }
  }
}
