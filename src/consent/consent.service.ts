import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../common/clock.js';
import {
  ConsentAuditService,
  type ConsentCheckpointReport,
  type ConsentVerifyOptions,
  type ConsentVerifyReport,
} from './consent-audit.service.js';
import { ConsentContextService } from './consent-context.service.js';
import { ConsentDecisionService } from './consent-decision.service.js';
import { ConsentHttpService } from './consent-http.service.js';
import { ConsentPolicy } from './consent.policy.js';
import type {
  ConsentDecisions,
  ConsentEventContext,
  ConsentEventDetail,
  ConsentSource,
  ConsentState,
  ConsentSubject,
} from './consent-subject.js';
import { ConsentWriter } from './consent.writer.js';

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
 * What an app asks of consent (docs/consent.md, "From your code"): a request's state, any subject's state and
 * history, decisions recorded or withdrawn from code, verification, retention and erasure. The work is done
 * by ConsentContextService (who a request is), ConsentDecisionService (writing decisions), ConsentHttpService
 * (decisions made over HTTP) and ConsentAuditService (the chain).
 */
@Injectable()
export class ConsentService {
  constructor(
    readonly policy: ConsentPolicy,
    private readonly contexts: ConsentContextService,
    private readonly decisions: ConsentDecisionService,
    private readonly http: ConsentHttpService,
    private readonly audit: ConsentAuditService,
    private readonly writer: ConsentWriter,
    private readonly clock: Clock,
  ) {}

  /** The request subject's state (what `GET /consent` answers). */
  async getState(req: Request): Promise<ConsentState> {
    return (await this.contexts.contextOf(req)).state();
  }

  /** The state straight from the database, for any subject (admin views, jobs). */
  async getStateOf(subject: ConsentSubject): Promise<ConsentState> {
    return this.policy.state(await this.contexts.readSnapshot(subject), this.clock.now());
  }

  /** Whether the request's subject has granted `category` under the current policy (required categories: always). */
  async isGranted(req: Request, category: string): Promise<boolean> {
    return this.contexts.effectiveDecisions(await this.contexts.contextOf(req))[category] === true;
  }

  /** The subject's events as `GET /consent/history` shows them, oldest first. */
  async history(subjectOrReq: ConsentSubject | Request): Promise<ConsentHistoryEntry[]> {
    const subject =
      'type' in subjectOrReq && 'id' in subjectOrReq && !('headers' in subjectOrReq)
        ? subjectOrReq
        : (await this.contexts.contextOf(subjectOrReq as Request)).subject;
    if (!subject) return [];
    const events = await this.decisions.guard(() => this.audit.events(subject));
    return events.map((e) => ({
      at: new Date(e.createdAt).toISOString(),
      action: e.action,
      decisions: e.decisionsAfter,
      policyVersion: e.policyVersion,
      source: e.source,
      ...(e.detail ? { detail: e.detail } : {}),
    }));
  }

  /** Records explicit decisions for any subject (no HTTP involved). Missing optional categories keep their current valid value, else false. */
  recordFor(
    subject: ConsentSubject,
    decisions: ConsentDecisions,
    options: { source?: ConsentSource; context?: ConsentEventContext } = {},
  ): Promise<ConsentState> {
    return this.decisions.recordFor(subject, decisions, options);
  }

  /** Withdraws every optional category of any subject. */
  withdrawFor(
    subject: ConsentSubject,
    options: { source?: ConsentSource; context?: ConsentEventContext } = {},
  ): Promise<ConsentState> {
    return this.decisions.withdrawFor(subject, options);
  }

  /**
   * Links the visitor's decision (the request's visitor cookie) to the user, as at sign-in: the more recent
   * valid decision wins, as a `link` event on the user's chain; a visitor cookie that grants anything is expired
   * in `res` (default `req.res`).
   */
  linkVisitorToUser(user: AuthUser, req: Request, res?: Response): Promise<ConsentState> {
    return this.http.linkVisitorToUser(user, req, res);
  }

  /**
   * Recomputes the audit chains (all, or one subject's) and reports the first broken seq; for every subject,
   * `options.onProgress` sees the running totals after each step of `options.rows` events (default 10,000).
   */
  async verify(subject?: ConsentSubject, options?: ConsentVerifyOptions): Promise<ConsentVerifyReport> {
    return this.decisions.guard(() => this.audit.verify(subject, options));
  }

  /**
   * Anchors every chain written before event format 2 that has no anchor to its subject (the module does it once
   * at the first boot after the upgrade). Run it only right after a verify that passed, e.g. for chains an
   * older instance started during a rolling upgrade: it anchors whatever it finds. Returns the chains anchored.
   */
  async anchorLegacyChains(): Promise<number> {
    return this.decisions.guard(() => this.audit.anchorLegacyChains());
  }

  /** Signs each chain's head (tail-truncation detection); keep the returned digest outside the database. */
  async checkpoint(): Promise<ConsentCheckpointReport> {
    return this.decisions.guard(() => this.audit.checkpointHeads());
  }

  /** Folds events older than `consent.retention` into signed checkpoints; a no-op without the option. */
  async applyRetention(): Promise<{ subjects: number; events: number }> {
    const retention = this.policy.options.retentionMs;
    if (retention === undefined) return { subjects: 0, events: 0 };
    return this.decisions.guard(() => this.audit.foldBefore(new Date(this.clock.now() - retention)));
  }

  /** GDPR art. 17: pseudonymises the subject in the audit history (which still verifies) and deletes the current record. */
  async eraseSubject(subject: ConsentSubject): Promise<{ pseudonym: string; events: number }> {
    const result = await this.decisions.guard(() =>
      this.audit.erase(subject, { version: this.policy.version, hash: this.policy.hash }),
    );
    this.writer.forget(subject);
    await this.decisions.pushToUserSessions(subject, null);
    return result;
  }
}
