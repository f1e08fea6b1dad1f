import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../common/clock.js';
import { isSessionUnavailable } from '../session/session-meta.js';
import {
  peekConsentContext,
  setConsentContext,
  type ConsentContextResolver,
  type ConsentRequestContext,
} from './consent-context.js';
import { ConsentPolicy } from './consent.policy.js';
import { regionOf, ruleSetOf } from './consent-regions.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import { ConsentSessionSync } from './consent-session.sync.js';
import type { ConsentDecisions, ConsentSnapshot, ConsentSubject } from './consent-subject.js';
import { snapshotOfRecord } from './consent-write-plan.js';
import { ConsentVisitorCookie, parseCookieHeader } from './consent-visitor.cookie.js';

/**
 * Who a request is and what they decided (the gate's and the controllers' view of a request): visitors from
 * the signed cookie, users from the session's snapshot, without I/O; a user's record read only when the
 * session has no usable snapshot.
 */
@Injectable()
export class ConsentContextService implements ConsentContextResolver {
  private readonly logger = new Logger(ConsentContextService.name);

  constructor(
    private readonly policy: ConsentPolicy,
    private readonly visitorCookie: ConsentVisitorCookie,
    private readonly clock: Clock,
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
    @Optional() private readonly sessionSync?: ConsentSessionSync,
  ) {}

  /** The subject's current record as a snapshot (null: none). */
  async readSnapshot(subject: ConsentSubject): Promise<ConsentSnapshot | null> {
    const record = await this.ds
      .getRepository(ConsentRecordEntity)
      .findOne({ where: { subjectType: subject.type, subjectId: subject.id } });
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

  /** Whether a user's changed decision reaches the user's sessions (so their snapshot can be kept there). */
  get syncsSessions(): boolean {
    return this.sessionSync !== undefined;
  }

  /** The session's snapshot when it can be trusted for this user; undefined when it must be read. */
  private cachedSnapshot(req: Request, userId: string): ConsentSnapshot | null | undefined {
    const cached = req.session?.consent;
    return this.sessionSync && cached !== undefined && (cached === null || cached.sub === `user:${userId}`)
      ? cached
      : undefined;
  }

  /** The request's region as the app says (its resolver or trusted header); a resolver that throws means unknown. */
  private regionOf(req: Request): string | undefined {
    try {
      return regionOf(this.policy.options.regions, req);
    } catch (err) {
      this.logger.warn(
        `consent.regions.resolve threw; the region is unknown for this request: ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  /** The request's signal, region and rule set, with no subject yet. */
  emptyContext(req: Request): ConsentRequestContext {
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

  /** The request's context, resolved once per request (the gate may have done it already). */
  async contextOf(req: Request): Promise<ConsentRequestContext> {
    let ctx = peekConsentContext(req);
    if (!ctx) {
      ctx = await this.resolveContext(req);
      setConsentContext(req, ctx);
    }
    return ctx;
  }

  /** Decisions the gate applies for a context: synchronous, no I/O. */
  effectiveDecisions(ctx: ConsentRequestContext | undefined): ConsentDecisions {
    return this.policy.effective(ctx?.snapshot, this.clock.now(), ctx?.gpc ?? false, ctx?.ruleSet);
  }
}
