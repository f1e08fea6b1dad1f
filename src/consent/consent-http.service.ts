import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../common/clock.js';
import { parseConsentBody } from './consent-body.js';
import { setConsentContext, type ConsentRequestContext } from './consent-context.js';
import { ConsentContextService } from './consent-context.service.js';
import { ConsentDecisionService, type WrittenDecision } from './consent-decision.service.js';
import { truncateIp } from './consent-ip.js';
import { ConsentPolicy } from './consent.policy.js';
import type { ConsentDecisions, ConsentEventContext, ConsentState } from './consent-subject.js';
import { ConsentVisitorCookie, parseCookieHeader } from './consent-visitor.cookie.js';

/**
 * Decisions made over HTTP: the banner's PUT / DELETE /consent, the GPC default of GET /consent, the link
 * at sign-in and the grant dropped at sign-out. Reads the request (its context, the event's IP, user agent
 * and locale), has ConsentDecisionService write, and answers in the response: the visitor cookie or the
 * session, and the refused categories' cookies expired.
 */
@Injectable()
export class ConsentHttpService {
  constructor(
    private readonly policy: ConsentPolicy,
    private readonly contexts: ConsentContextService,
    private readonly decisions: ConsentDecisionService,
    private readonly visitorCookie: ConsentVisitorCookie,
    private readonly clock: Clock,
  ) {}

  private eventContext(req: Request, locale?: string): ConsentEventContext {
    const ua = req.headers['user-agent'];
    return {
      ip: truncateIp(req.ip),
      userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
      locale: locale ?? null,
    };
  }

  /** PUT /consent: validates the body (400/409 change nothing), records the decision, answers the new state and expires refused cookies. */
  async record(req: Request, res: Response, body: unknown): Promise<ConsentState> {
    const input = parseConsentBody(body, this.policy);
    const ctx = await this.contexts.contextOf(req);
    const written = await this.decisions.decide(ctx, input, this.eventContext(req, input.locale));
    await this.applyToRequest(req, res, ctx, written);
    this.expireRefused(res, ctx);
    return ctx.state();
  }

  /** DELETE /consent: withdraws every optional category and expires their declared cookies in the same response. */
  async withdraw(req: Request, res: Response): Promise<ConsentState> {
    const ctx = await this.contexts.contextOf(req);
    const written = await this.decisions.withdraw(ctx, this.eventContext(req));
    await this.applyToRequest(req, res, ctx, written);
    this.expireRefused(res, ctx);
    return ctx.state();
  }

  /**
   * `Sec-GPC: 1` with no valid decision: records, once, a refusal of the gpcOptOut categories (source `gpc`).
   * Called from GET /consent so that cookie-less clients do not write on every request.
   */
  async recordGpcIfNeeded(req: Request, res: Response): Promise<void> {
    const ctx = await this.contexts.contextOf(req);
    if (!ctx.gpc || this.policy.isValid(ctx.snapshot, this.clock.now())) return;
    await this.applyToRequest(req, res, ctx, await this.decisions.recordGpcDefault(ctx, this.eventContext(req)));
  }

  /** After a write: the request's own view, the visitor cookie or the session, and the user's other sessions. */
  private async applyToRequest(
    req: Request,
    res: Response,
    ctx: ConsentRequestContext,
    { subject, snapshot }: WrittenDecision,
  ): Promise<void> {
    ctx.subject = subject;
    ctx.snapshot = snapshot;
    setConsentContext(req, ctx);
    if (!snapshot) return;
    if (subject.type === 'visitor') {
      res.append(
        'Set-Cookie',
        this.visitorCookie.header(this.visitorCookie.encode(subject.id, snapshot), snapshot.exp - this.clock.now()),
      );
    } else {
      if (req.session) req.session.consent = snapshot;
      // A browser signed in before the login consumed its visitor grant (an older release) loses it now.
      this.dropVisitorGrant(req, res);
      await this.decisions.pushToUserSessions(subject, snapshot);
    }
  }

  /** Expires, in `res`, the declared cookies of the categories the context's decisions do not grant. */
  private expireRefused(res: Response, ctx: ConsentRequestContext): void {
    const decisions = this.policy.effective(ctx.snapshot, this.clock.now(), ctx.gpc, ctx.ruleSet);
    for (const c of this.policy.cookiesToExpire(decisions, ctx.cookieNames)) {
      res.append(
        'Set-Cookie',
        `${c.name}=; Path=${c.path}${c.domain ? `; Domain=${c.domain}` : ''}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`,
      );
    }
  }

  /**
   * Links the visitor's decision (from the request's visitor cookie) to the user at login: the more recent
   * valid decision wins, an older one is never revived, and the link is a `link` event on the user's chain.
   * A visitor cookie that grants anything is then expired in `res` (default `req.res`): see {@link dropVisitorGrant}.
   */
  async linkVisitorToUser(user: AuthUser, req: Request, res?: Response): Promise<ConsentState> {
    const visitor = this.visitorCookie.decode(parseCookieHeader(req.headers.cookie).get(this.visitorCookie.name));
    const { snapshot } = await this.decisions.linkVisitor(user.id, visitor?.visitorId, this.eventContext(req));
    // The subject and its record are known now: building the context reads nothing more.
    const ctx = this.contexts.emptyContext(req);
    ctx.subject = { type: 'user', id: user.id };
    ctx.snapshot = snapshot;
    setConsentContext(req, ctx);
    if (req.session) req.session.consent = snapshot;
    // The visitor's grant now lives in the user's record: the browser keeps none that could outlive a withdrawal.
    this.dropVisitorGrant(req, res ?? (req.res as Response | undefined));
    return this.policy.state(snapshot, this.clock.now(), ctx.gpc);
  }

  /**
   * Expires the request's visitor cookie, in this response, when it grants any optional category. Called at
   * login (after the visitor's decision is linked to the user), at every decision of a signed-in user and at
   * sign-out (`POST /auth/logout`, Passport's `req.logOut`): a browser that signed in keeps at most a refusal
   * it made as a visitor, never a grant, so after sign-out it grants nothing the user may have withdrawn
   * since (here or on another device), whether the session ended by a logout, a revocation or a timeout.
   * Synchronous and without I/O; returns whether the cookie was expired.
   */
  dropVisitorGrant(req: Request, res: Response | undefined): boolean {
    if (!res || typeof res.append !== 'function' || res.headersSent) return false;
    const visitor = this.visitorCookie.decode(parseCookieHeader(req.headers.cookie).get(this.visitorCookie.name));
    if (!visitor || !this.grantsOptional(visitor.snapshot.d)) return false;
    res.append('Set-Cookie', this.visitorCookie.expiredHeader());
    return true;
  }

  /** Whether decisions grant anything beyond the required categories (a key no category knows counts as a grant). */
  private grantsOptional(decisions: ConsentDecisions): boolean {
    const required = new Set(this.policy.categories.filter((c) => c.required).map((c) => c.key));
    return Object.entries(decisions).some(([key, granted]) => granted === true && !required.has(key));
  }
}
