import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../common/clock.js';
import { isSessionUnavailable } from '../session/session-meta.js';
import { ConsentAuditService, type ConsentCheckpointReport, type ConsentVerifyOptions, type ConsentVerifyReport } from './consent-audit.service.js';
import { parseConsentBody } from './consent-body.js';
import { peekConsentContext, setConsentContext, type ConsentRequestContext } from './consent-context.js';
import { isDatabaseUnavailable } from './consent-db-errors.js';
import { truncateIp } from './consent-ip.js';
import { ConsentPolicy } from './consent-policy.service.js';
import { regionOf, ruleSetOf } from './consent-regions.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import { ConsentSessionSync } from './consent-session-sync.js';
import type { ConsentAction, ConsentDecisions, ConsentEventContext, ConsentEventDetail, ConsentSnapshot, ConsentSource, ConsentState, ConsentSubject } from './consent-subject.js';
import { snapshotOfRecord, type ConsentWriteRequest } from './consent-write-plan.js';
import { ConsentWriter } from './consent-writer.js';
import { ConsentVisitorCookie, parseCookieHeader } from './consent-visitor-cookie.js';
import { ConsentUnavailableException, GpcConflictException } from './consent.exceptions.js';

/** One entry of `GET /consent/history`. */
export interface ConsentHistoryEntry {
  at: string;
  action: string;
  decisions: ConsentDecisions;
  policyVersion: string;
  source: string;
  /** Present when the event has optional fields: the GPC signal and the categories granted over it. */
  detail?: ConsentEventDetail;
}

/**
 * Consent decisions of visitors and users: reads them for the gate without SQL (session or signed visitor
 * cookie), writes them with their audit event atomically through the {@link ConsentWriter}, and exposes history,
 * verification and erasure.
 */
@Injectable()
export class ConsentService {
  private readonly logger = new Logger(ConsentService.name);

  constructor(
    readonly policy: ConsentPolicy,
    private readonly audit: ConsentAuditService,
    private readonly writer: ConsentWriter,
    private readonly visitorCookie: ConsentVisitorCookie,
    private readonly clock: Clock,
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
    @Optional() private readonly sessionSync?: ConsentSessionSync,
  ) {}

  // ---- reading -------------------------------------------------------------------------------------

  private async readSnapshot(subject: ConsentSubject): Promise<ConsentSnapshot | null> {
    const record = await this.ds.getRepository(ConsentRecordEntity).findOne({ where: { subjectType: subject.type, subjectId: subject.id } });
    return snapshotOfRecord(record);
  }

  /**
   * Whether resolving the request's context needs the database: a signed-in user whose snapshot is not in
   * the session (or no {@link ConsentSessionSync} keeps it fresh). Everyone else resolves with no I/O.
   */
  needsLookup(req: Request): boolean {
    const user = req.user as AuthUser | undefined;
    return !!user?.id && this.cachedSnapshot(req, user.id) === undefined;
  }

  /** The session's snapshot when it can be trusted for this user; undefined when it must be read. */
  private cachedSnapshot(req: Request, userId: string): ConsentSnapshot | null | undefined {
    const cached = req.session?.consent;
    return this.sessionSync && cached !== undefined && (cached === null || cached.sub === `user:${userId}`) ? cached : undefined;
  }

  /** The request's region as the app says (its resolver or trusted header); a resolver that throws means unknown. */
  private regionOf(req: Request): string | undefined {
    try {
      return regionOf(this.policy.options.regions, req);
    } catch (err) {
      this.logger.warn(`consent.regions.resolve threw; the region is unknown for this request: ${(err as Error).message}`);
      return undefined;
    }
  }

  private emptyContext(req: Request): ConsentRequestContext {
    const region = this.regionOf(req);
    const ctx: ConsentRequestContext = {
      subject: null,
      snapshot: null,
      gpc: req.headers['sec-gpc'] === '1',
      region,
      ruleSet: ruleSetOf(this.policy.options.regions, region),
      cookieNames: [...parseCookieHeader(req.headers.cookie).keys()],
      state: () => this.policy.state(ctx.snapshot, this.clock.now(), ctx.gpc, ctx.ruleSet, ctx.region),
    };
    return ctx;
  }

  /** The event fields a request contributes: the GPC signal, and the rule set and region when regions are configured. */
  private requestDetail(ctx: ConsentRequestContext): ConsentEventDetail {
    return {
      ...(ctx.gpc ? { gpc: true as const } : {}),
      ...(this.policy.options.regions ? { ruleSet: ctx.ruleSet, ...(ctx.region ? { region: ctx.region } : {}) } : {}),
    };
  }

  /**
   * Who the request is and what they decided, without I/O: visitors from the signed cookie, users from the
   * session's snapshot. A user whose snapshot must be read ({@link needsLookup}) is undecided here (fail
   * closed); {@link resolveContext} reads it.
   */
  resolveNow(req: Request): ConsentRequestContext {
    const ctx = this.emptyContext(req);
    // The session could not be read: the request may be a user's, so no visitor decision applies (fail closed).
    if (isSessionUnavailable(req)) return ctx;
    const user = req.user as AuthUser | undefined;
    if (user?.id) {
      ctx.subject = { type: 'user', id: user.id };
      ctx.snapshot = this.cachedSnapshot(req, user.id) ?? null;
      return ctx;
    }
    const visitor = this.visitorCookie.decode(parseCookieHeader(req.headers.cookie).get(this.visitorCookie.name));
    if (visitor) {
      ctx.subject = { type: 'visitor', id: visitor.visitorId };
      ctx.snapshot = visitor.snapshot;
    }
    return ctx;
  }

  /** {@link resolveNow}, reading the user's current record when the session has no usable snapshot. */
  async resolveContext(req: Request): Promise<ConsentRequestContext> {
    if (!this.needsLookup(req)) return this.resolveNow(req);
    const ctx = this.emptyContext(req);
    const user = req.user as AuthUser;
    ctx.subject = { type: 'user', id: user.id };
    try {
      ctx.snapshot = await this.readSnapshot(ctx.subject);
      if (this.sessionSync && req.session) req.session.consent = ctx.snapshot;
    } catch (err) {
      // Fail closed: with the database down a user is treated as undecided (nothing optional passes).
      this.logger.warn(`Consent record unreadable, treating the user as undecided: ${(err as Error).message}`);
    }
    return ctx;
  }

  private async context(req: Request): Promise<ConsentRequestContext> {
    let ctx = peekConsentContext(req);
    if (!ctx) {
      ctx = await this.resolveContext(req);
      setConsentContext(req, ctx);
    }
    return ctx;
  }

  /** The request subject's state (what `GET /consent` answers). */
  async getState(req: Request): Promise<ConsentState> {
    return (await this.context(req)).state();
  }

  /** The state straight from the database, for any subject (admin views, jobs). */
  async getStateOf(subject: ConsentSubject): Promise<ConsentState> {
    return this.policy.state(await this.readSnapshot(subject), this.clock.now());
  }

  /** Whether the request's subject has granted `category` under the current policy (required categories: always). */
  async isGranted(req: Request, category: string): Promise<boolean> {
    return this.effectiveDecisions(await this.context(req))[category] === true;
  }

  /** Decisions the gate applies for a context: synchronous, no I/O. */
  effectiveDecisions(ctx: ConsentRequestContext | undefined): ConsentDecisions {
    return this.policy.effective(ctx?.snapshot, this.clock.now(), ctx?.gpc ?? false, ctx?.ruleSet);
  }

  /** The subject's events as `GET /consent/history` shows them, oldest first. */
  async history(subjectOrReq: ConsentSubject | Request): Promise<ConsentHistoryEntry[]> {
    const subject = 'type' in subjectOrReq && 'id' in subjectOrReq && !('headers' in subjectOrReq) ? subjectOrReq : (await this.context(subjectOrReq as Request)).subject;
    if (!subject) return [];
    const events = await this.guard(() => this.audit.events(subject));
    return events.map((e) => ({
      at: new Date(e.createdAt).toISOString(),
      action: e.action,
      decisions: e.decisionsAfter,
      policyVersion: e.policyVersion,
      source: e.source,
      ...(e.detail ? { detail: e.detail } : {}),
    }));
  }

  // ---- writing -------------------------------------------------------------------------------------

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        this.logger.error(`Consent database unavailable: ${(err as Error).message}`);
        throw new ConsentUnavailableException();
      }
      throw err;
    }
  }

  private actionFor(before: ConsentDecisions | null, after: ConsentDecisions): ConsentAction {
    const optional = this.policy.categories.filter((c) => !c.required).map((c) => c.key);
    if (!before) return optional.some((k) => after[k]) ? 'grant' : 'refuse';
    const added = optional.some((k) => after[k] && !before[k]);
    const removed = optional.some((k) => !after[k] && before[k]);
    if (added && !removed) return 'grant';
    if (removed && !added) return 'refuse';
    return 'update';
  }

  /** Writes a decision and its event atomically (serialised per subject); returns the new snapshot. */
  private write(request: ConsentWriteRequest): Promise<ConsentSnapshot | null> {
    return this.guard(() => this.writer.write(request));
  }

  /** The request's subject, or a visitor ID minted now (whose chain cannot exist yet). */
  private subjectOf(ctx: ConsentRequestContext): { subject: ConsentSubject; fresh: boolean } {
    return ctx.subject ? { subject: ctx.subject, fresh: false } : { subject: { type: 'visitor', id: this.visitorCookie.newVisitorId() }, fresh: true };
  }

  /** Records explicit decisions for any subject (no HTTP involved). Missing optional categories keep their current valid value, else false. */
  async recordFor(subject: ConsentSubject, decisions: ConsentDecisions, options: { source?: ConsentSource; context?: ConsentEventContext } = {}): Promise<ConsentState> {
    const snapshot = await this.write({
      subject,
      context: options.context ?? {},
      plan: (current, now) => {
        const base = this.policy.isValid(current, now) && !current.gpc ? current.d : {};
        const next = this.policy.complete({ ...base, ...decisions });
        return { decisions: next, action: this.actionFor(this.policy.isValid(current, now) ? current.d : null, next), source: options.source ?? 'api', gpc: false };
      },
    });
    await this.pushToUserSessions(subject, snapshot);
    return this.policy.state(snapshot, this.clock.now());
  }

  /** Withdraws every optional category of any subject. */
  async withdrawFor(subject: ConsentSubject, options: { source?: ConsentSource; context?: ConsentEventContext } = {}): Promise<ConsentState> {
    const snapshot = await this.write({ subject, context: options.context ?? {}, plan: () => ({ decisions: {}, action: 'withdraw', source: options.source ?? 'api', gpc: false }) });
    await this.pushToUserSessions(subject, snapshot);
    return this.policy.state(snapshot, this.clock.now());
  }

  private eventContext(req: Request, locale?: string): ConsentEventContext {
    const ua = req.headers['user-agent'];
    return { ip: truncateIp(req.ip), userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null, locale: locale ?? null };
  }

  /** PUT /consent: validates the body (400/409 change nothing), records the decision, answers the new state and expires refused cookies. */
  async record(req: Request, res: Response, body: unknown): Promise<ConsentState> {
    const input = parseConsentBody(body, this.policy);
    const ctx = await this.context(req);
    // Granting a sale/sharing category over the GPC signal needs the confirmation that the notice was shown.
    const conflicting = ctx.gpc && input.decisions ? this.policy.gpcOptOutGranted(input.decisions) : [];
    if (conflicting.length > 0 && !input.gpcOverride) throw new GpcConflictException(conflicting);
    const { subject, fresh } = this.subjectOf(ctx);
    const snapshot = await this.write({
      subject,
      fresh,
      context: this.eventContext(req, input.locale),
      plan: (current, now) => {
        const valid = this.policy.isValid(current, now);
        let next: ConsentDecisions;
        if (input.choice === 'accept-all') next = this.policy.all();
        else if (input.choice === 'reject-all') next = {};
        // Categories not sent keep what is applied now (under opt-out rules: granted until refused).
        else next = { ...this.policy.effective(current, now, ctx.gpc, ctx.ruleSet), ...input.decisions };
        next = this.policy.complete(next);
        const detail = this.requestDetail(ctx);
        if (input.text) Object.assign(detail, { textHash: input.text.hash, language: input.text.language });
        if (ctx.gpc) {
          // The signal refuses sale/sharing on "Accept all" and on kept decisions; only this request's explicit,
          // confirmed grants (and an override kept from a decision made under the signal) stay.
          const kept = valid && current.sig === true ? current.d : {};
          for (const c of this.policy.categories) {
            if (c.gpcOptOut && next[c.key] && !(input.decisions?.[c.key] === true || (input.decisions?.[c.key] === undefined && kept[c.key] === true))) next[c.key] = false;
          }
          const override = this.policy.gpcOptOutGranted(next);
          if (override.length > 0) detail.gpcOverride = override;
        }
        return { decisions: next, action: this.actionFor(valid ? current.d : null, next), source: input.source, gpc: false, signal: ctx.gpc, ruleSet: ctx.ruleSet, textHash: input.text?.hash, detail };
      },
    });
    await this.applyToRequest(req, res, ctx, subject, snapshot);
    this.expireRefused(res, ctx, snapshot);
    return ctx.state();
  }

  /** DELETE /consent: withdraws every optional category and expires their declared cookies in the same response. */
  async withdraw(req: Request, res: Response): Promise<ConsentState> {
    const ctx = await this.context(req);
    const { subject, fresh } = this.subjectOf(ctx);
    const snapshot = await this.write({
      subject,
      fresh,
      context: this.eventContext(req),
      plan: () => ({ decisions: {}, action: 'withdraw', source: 'banner', gpc: false, signal: ctx.gpc, ruleSet: ctx.ruleSet, detail: this.requestDetail(ctx) }),
    });
    await this.applyToRequest(req, res, ctx, subject, snapshot);
    this.expireRefused(res, ctx, snapshot);
    return ctx.state();
  }

  /**
   * `Sec-GPC: 1` with no valid decision: records, once, a refusal of the gpcOptOut categories (source `gpc`).
   * Called from GET /consent so that cookie-less clients do not write on every request.
   */
  async recordGpcIfNeeded(req: Request, res: Response): Promise<void> {
    const ctx = await this.context(req);
    if (!ctx.gpc || this.policy.isValid(ctx.snapshot, this.clock.now())) return;
    const { subject, fresh } = this.subjectOf(ctx);
    const snapshot = await this.write({
      subject,
      fresh,
      context: this.eventContext(req),
      plan: (current, now) => {
        if (this.policy.isValid(current, now)) return null; // another request recorded it meanwhile
        return { decisions: {}, action: 'refuse', source: 'gpc', gpc: true, detail: this.requestDetail(ctx) };
      },
    });
    await this.applyToRequest(req, res, ctx, subject, snapshot);
  }

  /** After a write: the request's own view, the visitor cookie or the session, and the user's other sessions. */
  private async applyToRequest(req: Request, res: Response, ctx: ConsentRequestContext, subject: ConsentSubject, snapshot: ConsentSnapshot | null): Promise<void> {
    ctx.subject = subject;
    ctx.snapshot = snapshot;
    setConsentContext(req, ctx);
    if (!snapshot) return;
    if (subject.type === 'visitor') {
      res.append('Set-Cookie', this.visitorCookie.header(this.visitorCookie.encode(subject.id, snapshot), snapshot.exp - this.clock.now()));
    } else {
      if (req.session) req.session.consent = snapshot;
      // A browser signed in before the login consumed its visitor grant (an older release) loses it now.
      this.dropVisitorGrant(req, res);
      await this.pushToUserSessions(subject, snapshot);
    }
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

  private async pushToUserSessions(subject: ConsentSubject, snapshot: ConsentSnapshot | null): Promise<void> {
    if (subject.type !== 'user' || !this.sessionSync) return;
    try {
      await this.sessionSync.pushUserConsent(subject.id, snapshot);
    } catch (err) {
      // The record is committed; other sessions pick it up when their snapshot is next refreshed.
      this.logger.warn(`Could not push the consent change to the user's other sessions: ${(err as Error).message}`);
    }
  }

  private expireRefused(res: Response, ctx: ConsentRequestContext, snapshot: ConsentSnapshot | null): void {
    const decisions = this.policy.effective(snapshot, this.clock.now(), ctx.gpc, ctx.ruleSet);
    for (const c of this.policy.cookiesToExpire(decisions, ctx.cookieNames)) {
      res.append('Set-Cookie', `${c.name}=; Path=${c.path}${c.domain ? `; Domain=${c.domain}` : ''}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`);
    }
  }

  // ---- login ---------------------------------------------------------------------------------------

  /**
   * Links the visitor's decision (from the request's visitor cookie) to the user at login: the more recent
   * valid decision wins, an older one is never revived, and the link is a `link` event on the user's chain.
   * A visitor cookie that grants anything is then expired in `res` (default `req.res`): see {@link dropVisitorGrant}.
   */
  async linkVisitorToUser(user: AuthUser, req: Request, res?: Response): Promise<ConsentState> {
    const userSubject: ConsentSubject = { type: 'user', id: user.id };
    const visitor = this.visitorCookie.decode(parseCookieHeader(req.headers.cookie).get(this.visitorCookie.name));
    const visitorSubject: ConsentSubject | null = visitor ? { type: 'visitor', id: visitor.visitorId } : null;
    // The database is the source of truth: the cookie only names the visitor.
    const visitorSnapshot = visitorSubject ? await this.guard(() => this.readSnapshot(visitorSubject)) : null;
    // Without a visitor decision there is nothing to link: the user's own record stands.
    const { snapshot, replaced } = visitorSnapshot
      ? await this.linkDecision(userSubject, visitorSubject!.id, visitorSnapshot, req)
      : { snapshot: await this.guard(() => this.readSnapshot(userSubject)), replaced: false };
    // The subject and its record are known now: building the context reads nothing more.
    const ctx = this.emptyContext(req);
    ctx.subject = userSubject;
    ctx.snapshot = snapshot;
    setConsentContext(req, ctx);
    if (req.session) req.session.consent = snapshot;
    // The user's other sessions hold the user's record already, unless the visitor's decision replaced it.
    if (replaced) await this.pushToUserSessions(userSubject, snapshot);
    // The visitor's grant now lives in the user's record: the browser keeps none that could outlive a withdrawal.
    this.dropVisitorGrant(req, res ?? (req.res as Response | undefined));
    return this.policy.state(snapshot, this.clock.now(), ctx.gpc);
  }

  /** Writes the `link` event: the visitor's decision replaces the user's record when it is the most recent. */
  private async linkDecision(user: ConsentSubject, visitorId: string, visitor: ConsentSnapshot, req: Request): Promise<{ snapshot: ConsentSnapshot | null; replaced: boolean }> {
    let replaced = false;
    const snapshot = await this.write({
      subject: user,
      context: this.eventContext(req),
      plan: (current, now) => {
        replaced = false;
        if (!this.policy.isValid(visitor, now)) return null;
        const userValid = this.policy.isValid(current, now);
        // An explicit decision beats a GPC default; otherwise the most recent decision wins.
        const visitorWins = !userValid || (visitor.gpc === current.gpc ? visitor.at > current.at : current.gpc);
        // A retried write plans again: the last plan is the one written.
        replaced = visitorWins;
        if (!visitorWins) return { decisions: current.d, action: 'link', source: 'login', gpc: current.gpc, keepRecord: true };
        // A visitor's override of the GPC signal moves with the decision.
        return { decisions: visitor.d, action: 'link', source: 'login', gpc: visitor.gpc, signal: visitor.sig === true, ruleSet: visitor.oo ? 'opt-out' : undefined, textHash: visitor.th, decidedAt: visitor.at, expiresAt: visitor.exp };
      },
      linkVisitorId: visitorId,
    });
    return { snapshot, replaced };
  }

  // ---- audit ---------------------------------------------------------------------------------------

  /**
   * Recomputes the audit chains (all, or one subject's) and reports the first broken seq; for every subject,
   * `options.onProgress` sees the running totals after each step of `options.rows` events (default 10,000).
   */
  async verify(subject?: ConsentSubject, options?: ConsentVerifyOptions): Promise<ConsentVerifyReport> {
    return this.guard(() => this.audit.verify(subject, options));
  }

  /**
   * Anchors every chain written before event format 2 that has no anchor to its subject (the module does it once
   * at the first boot after the upgrade). Run it only right after a verify that passed, e.g. for chains an
   * older instance started during a rolling upgrade: it anchors whatever it finds. Returns the chains anchored.
   */
  async anchorLegacyChains(): Promise<number> {
    return this.guard(() => this.audit.anchorLegacyChains());
  }

  /** Signs each chain's head (tail-truncation detection); keep the returned digest outside the database. */
  async checkpoint(): Promise<ConsentCheckpointReport> {
    return this.guard(() => this.audit.checkpointHeads());
  }

  /** Folds events older than `consent.retention` into signed checkpoints; a no-op without the option. */
  async applyRetention(): Promise<{ subjects: number; events: number }> {
    const retention = this.policy.options.retentionMs;
    if (retention === undefined) return { subjects: 0, events: 0 };
    return this.guard(() => this.audit.foldBefore(new Date(this.clock.now() - retention)));
  }

  /** GDPR art. 17: pseudonymises the subject in the audit history (which still verifies) and deletes the current record. */
  async eraseSubject(subject: ConsentSubject): Promise<{ pseudonym: string; events: number }> {
    const result = await this.guard(() => this.audit.erase(subject, { version: this.policy.version, hash: this.policy.hash }));
    this.writer.forget(subject);
    await this.pushToUserSessions(subject, null);
    return result;
  }
}
