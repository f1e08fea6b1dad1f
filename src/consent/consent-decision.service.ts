import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { ConsentInput } from './consent-body.js';
import type { ConsentRequestContext } from './consent-context.js';
import { ConsentContextService } from './consent-context.service.js';
import { isDatabaseUnavailable } from './consent-db-errors.js';
import { ConsentPolicy } from './consent.policy.js';
import { ConsentSessionSync } from './consent-session.sync.js';
import type {
  ConsentAction,
  ConsentDecisions,
  ConsentEventContext,
  ConsentEventDetail,
  ConsentSnapshot,
  ConsentSource,
  ConsentState,
  ConsentSubject,
} from './consent-subject.js';
import type { ConsentWriteRequest, DecisionPlanner } from './consent-write-plan.js';
import { ConsentWriter } from './consent.writer.js';
import { ConsentVisitorCookie } from './consent-visitor.cookie.js';
import { ConsentUnavailableException, GpcConflictException } from './consent.exceptions.js';

/** What a decision is made under: who (null: a visitor without an ID yet), the GPC signal, the region's rules. */
export type DecisionScope = Pick<ConsentRequestContext, 'subject' | 'gpc' | 'ruleSet' | 'region'>;

/** A written decision: the subject it was written for (a visitor's ID minted now) and its new snapshot. */
export interface WrittenDecision {
  subject: ConsentSubject;
  snapshot: ConsentSnapshot | null;
}

/**
 * Makes and writes decisions for a subject: what each kind of decision (explicit, withdrawal, a GPC default, the
 * link at sign-in) does to the record, written with its audit event atomically through the
 * {@link ConsentWriter}. No HTTP here: the scope and the event's
 * context come from the caller (ConsentHttpService for requests).
 */
@Injectable()
export class ConsentDecisionService {
  private readonly logger = new Logger(ConsentDecisionService.name);

  constructor(
    private readonly policy: ConsentPolicy,
    private readonly contexts: ConsentContextService,
    private readonly writer: ConsentWriter,
    private readonly visitorCookie: ConsentVisitorCookie,
    private readonly clock: Clock,
    @Optional() private readonly sessionSync?: ConsentSessionSync,
  ) {}

  /** Runs `work`, answering 503 (ConsentUnavailableException) when the database is down. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
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

  /** The subject's current record (503 when the database is down). */
  readSnapshot(subject: ConsentSubject): Promise<ConsentSnapshot | null> {
    return this.guard(() => this.contexts.readSnapshot(subject));
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

  /** Writes `plan` for the scope's subject, or for a visitor ID minted now (whose chain cannot exist yet). */
  private async writeInScope(
    scope: DecisionScope,
    context: ConsentEventContext,
    plan: DecisionPlanner,
  ): Promise<WrittenDecision> {
    const subject: ConsentSubject = scope.subject ?? { type: 'visitor', id: this.visitorCookie.newVisitorId() };
    return { subject, snapshot: await this.write({ subject, fresh: !scope.subject, context, plan }) };
  }

  /** The event fields a scope contributes: the GPC signal, and the rule set and region when regions are configured. */
  private scopeDetail(scope: DecisionScope): ConsentEventDetail {
    return {
      ...(scope.gpc ? { gpc: true as const } : {}),
      ...(this.policy.options.regions
        ? { ruleSet: scope.ruleSet, ...(scope.region ? { region: scope.region } : {}) }
        : {}),
    };
  }

  /** Records explicit decisions for any subject (no HTTP involved). Missing optional categories keep their current valid value, else false. */
  async recordFor(
    subject: ConsentSubject,
    decisions: ConsentDecisions,
    options: { source?: ConsentSource; context?: ConsentEventContext } = {},
  ): Promise<ConsentState> {
    const snapshot = await this.write({
      subject,
      context: options.context ?? {},
      plan: (current, now) => {
        const base = this.policy.isValid(current, now) && !current.gpc ? current.d : {};
        const next = this.policy.complete({ ...base, ...decisions });
        return {
          decisions: next,
          action: this.actionFor(this.policy.isValid(current, now) ? current.d : null, next),
          source: options.source ?? 'api',
          gpc: false,
        };
      },
    });
    await this.pushToUserSessions(subject, snapshot);
    return this.policy.state(snapshot, this.clock.now());
  }

  /** Withdraws every optional category of any subject. */
  async withdrawFor(
    subject: ConsentSubject,
    options: { source?: ConsentSource; context?: ConsentEventContext } = {},
  ): Promise<ConsentState> {
    const snapshot = await this.write({
      subject,
      context: options.context ?? {},
      plan: () => ({ decisions: {}, action: 'withdraw', source: options.source ?? 'api', gpc: false }),
    });
    await this.pushToUserSessions(subject, snapshot);
    return this.policy.state(snapshot, this.clock.now());
  }

  /** A validated PUT /consent body in its scope: 409 on a GPC conflict not confirmed; the GPC signal applied. */
  async decide(scope: DecisionScope, input: ConsentInput, context: ConsentEventContext): Promise<WrittenDecision> {
    // Granting a sale/sharing category over the GPC signal needs the confirmation that the notice was shown.
    const conflicting = scope.gpc && input.decisions ? this.policy.gpcOptOutGranted(input.decisions) : [];
    if (conflicting.length > 0 && !input.gpcOverride) throw new GpcConflictException(conflicting);
    return this.writeInScope(scope, context, (current, now) => {
      const valid = this.policy.isValid(current, now);
      let next: ConsentDecisions;
      if (input.choice === 'accept-all') next = this.policy.all();
      else if (input.choice === 'reject-all') next = {};
      // Categories not sent keep what is applied now (under opt-out rules: granted until refused).
      else next = { ...this.policy.effective(current, now, scope.gpc, scope.ruleSet), ...input.decisions };
      next = this.policy.complete(next);
      const detail = this.scopeDetail(scope);
      if (input.text) Object.assign(detail, { textHash: input.text.hash, language: input.text.language });
      if (scope.gpc) {
        // The signal refuses sale/sharing on "Accept all" and on kept decisions; only this request's explicit,
        // confirmed grants (and an override kept from a decision made under the signal) stay.
        const kept = valid && current.sig === true ? current.d : {};
        for (const c of this.policy.categories) {
          if (
            c.gpcOptOut &&
            next[c.key] &&
            !(input.decisions?.[c.key] === true || (input.decisions?.[c.key] === undefined && kept[c.key] === true))
          )
            next[c.key] = false;
        }
        const override = this.policy.gpcOptOutGranted(next);
        if (override.length > 0) detail.gpcOverride = override;
      }
      return {
        decisions: next,
        action: this.actionFor(valid ? current.d : null, next),
        source: input.source,
        gpc: false,
        signal: scope.gpc,
        ruleSet: scope.ruleSet,
        textHash: input.text?.hash,
        detail,
      };
    });
  }

  /** DELETE /consent in its scope: every optional category withdrawn. */
  async withdraw(scope: DecisionScope, context: ConsentEventContext): Promise<WrittenDecision> {
    return this.writeInScope(scope, context, () => ({
      decisions: {},
      action: 'withdraw',
      source: 'banner',
      gpc: false,
      signal: scope.gpc,
      ruleSet: scope.ruleSet,
      detail: this.scopeDetail(scope),
    }));
  }

  /** `Sec-GPC: 1` with no valid decision: a refusal of the gpcOptOut categories (source `gpc`), once (snapshot null: another request recorded it). */
  async recordGpcDefault(scope: DecisionScope, context: ConsentEventContext): Promise<WrittenDecision> {
    return this.writeInScope(scope, context, (current, now) => {
      if (this.policy.isValid(current, now)) return null; // another request recorded it meanwhile
      return { decisions: {}, action: 'refuse', source: 'gpc', gpc: true, detail: this.scopeDetail(scope) };
    });
  }

  /**
   * The `link` event at sign-in: the visitor's decision replaces the user's record when it is the more recent
   * valid one (an older one is never revived); `replaced` says whether it did. Without a visitor decision the
   * user's record stands.
   */
  async linkVisitor(
    userId: string,
    visitorId: string | undefined,
    context: ConsentEventContext,
  ): Promise<{ snapshot: ConsentSnapshot | null; replaced: boolean }> {
    const user: ConsentSubject = { type: 'user', id: userId };
    // The database is the source of truth: the cookie only names the visitor.
    const visitor = visitorId ? await this.readSnapshot({ type: 'visitor', id: visitorId }) : null;
    if (!visitor) return { snapshot: await this.readSnapshot(user), replaced: false };
    let replaced = false;
    const snapshot = await this.write({
      subject: user,
      context,
      plan: (current, now) => {
        replaced = false;
        if (!this.policy.isValid(visitor, now)) return null;
        const userValid = this.policy.isValid(current, now);
        // An explicit decision beats a GPC default; otherwise the most recent decision wins.
        const visitorWins = !userValid || (visitor.gpc === current.gpc ? visitor.at > current.at : current.gpc);
        // A retried write plans again: the last plan is the one written.
        replaced = visitorWins;
        if (!visitorWins)
          return { decisions: current.d, action: 'link', source: 'login', gpc: current.gpc, keepRecord: true };
        // A visitor's override of the GPC signal moves with the decision.
        return {
          decisions: visitor.d,
          action: 'link',
          source: 'login',
          gpc: visitor.gpc,
          signal: visitor.sig === true,
          ruleSet: visitor.oo ? 'opt-out' : undefined,
          textHash: visitor.th,
          decidedAt: visitor.at,
          expiresAt: visitor.exp,
        };
      },
      linkVisitorId: visitorId,
    });
    // The user's other sessions hold the user's record already, unless the visitor's decision replaced it.
    if (replaced) await this.pushToUserSessions(user, snapshot);
    return { snapshot, replaced };
  }

  /** Writes a user's new snapshot (or null after erasure) into every live session of the user. */
  async pushToUserSessions(subject: ConsentSubject, snapshot: ConsentSnapshot | null): Promise<void> {
    if (subject.type !== 'user' || !this.sessionSync) return;
    try {
      await this.sessionSync.pushUserConsent(subject.id, snapshot);
    } catch (err) {
      // The record is committed; other sessions pick it up when their snapshot is next refreshed.
      this.logger.warn(`Could not push the consent change to the user's other sessions: ${(err as Error).message}`);
    }
  }
}
