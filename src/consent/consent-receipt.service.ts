import { HttpException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_ROUTES } from '../auth-consent.constants.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { Clock } from '../common/clock.js';
import { ConsentAuditService, type ConsentVerifyReport } from './consent-audit.service.js';
import { ConsentCheckpointEntity } from './consent-checkpoint.entity.js';
import { isDatabaseUnavailable } from './consent-db-errors.js';
import type { ConsentEventEntity } from './consent-event.entity.js';
import { ConsentHeadEntity } from './consent-head.entity.js';
import { ConsentPolicy } from './consent.policy.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import type { ConsentDecisions, ConsentEventDetail, ConsentSubject } from './consent-subject.js';
import { ConsentService } from './consent.service.js';
import { ConsentUnavailableException } from './consent.exceptions.js';

/** One event of a receipt: the audit row with its chain hashes, so the chain can be re-linked by anyone. */
export interface ConsentReceiptEvent {
  seq: number;
  /** How `hash` is computed: 1 (events written before the subject was bound), 2 (binds the subject's keyed pseudonym). */
  format: number;
  action: string;
  timestamp: string;
  collection_method: string;
  policy_version: string;
  policy_hash: string;
  decisions_before: ConsentDecisions | null;
  decisions_after: ConsentDecisions;
  locale: string | null;
  /** Optional fields of the event (format 2): `gpc` (the browser sent Sec-GPC: 1), `gpcOverride` (sale/sharing categories granted over it). */
  detail: ConsentEventDetail | null;
  ip: string | null;
  user_agent: string | null;
  prev_hash: string | null;
  hash: string;
}

/** One subject's audit chain in a receipt. */
export interface ConsentReceiptChain {
  subject: ConsentSubject;
  algorithm: string;
  /** Where the chain starts when retention folded older events away: the first event's prev_hash. */
  start: { seq: number; hash: string | null } | null;
  /** The server's own check of the chain (ConsentService.verify) when the receipt was made. */
  verification: { ok: boolean; checked: number; broken_at?: number; reason?: string };
  events: ConsentReceiptEvent[];
}

/** One purpose (cookie category) of a receipt. */
export interface ConsentReceiptPurpose {
  purpose_id: string;
  purpose: string;
  description: string;
  /** Strictly necessary purposes need no consent (ePrivacy art. 5(3) exemption); the others rest on consent. */
  lawful_basis: 'strictly-necessary' | 'consent';
  /** As last decided: required purposes are always granted; `not-decided` before any decision. */
  consent_state: 'granted' | 'refused' | 'not-decided';
  /** What the server applies now (false when the decision expired or predates the current policy). */
  in_force: boolean;
  cookies: string[];
}

/** `GET /consent/export`: a consent receipt with the information elements of ISO/IEC TS 27560 (docs/consent.md). */
export interface ConsentReceipt {
  schema_version: string;
  record_id: string | null;
  generated_at: string;
  pii_principal_id: string;
  subject: ConsentSubject;
  /**
   * The policy of the current decision; `text_hash` and `language`: the texts it was made on (null when the
   * decision named none); `texts`: the current text version and hash of every language.
   */
  notice: {
    policy_version: string;
    policy_hash: string;
    policy_url: string | null;
    text_hash: string | null;
    language: string | null;
    texts: Record<string, { version: string; hash: string }>;
  };
  collection_method: string | null;
  /**
   * The rules the current decision was made under (`consent.regions`) and the region they were resolved from,
   * from the last event that records them; both null when none does (no regions configured, or older events).
   */
  jurisdiction: { rule_set: string | null; region: string | null };
  timestamps: {
    first_event_at: string | null;
    last_event_at: string | null;
    decided_at: string | null;
    expires_at: string | null;
  };
  validity: {
    valid_from: string | null;
    valid_until: string | null;
    status: 'active' | 'expired' | 'superseded-policy' | 'none';
    needs_consent: boolean;
  };
  purposes: ConsentReceiptPurpose[];
  withdrawal: { method: string; description: string };
  chain: ConsentReceiptChain;
  linked_visitors: ConsentReceiptChain[];
}

export const CONSENT_RECEIPT_SCHEMA = 'nestjs-auth-consent/consent-receipt/1 (ISO/IEC TS 27560 information elements)';
const ALGORITHM =
  'HMAC-SHA-256 under a server key over the canonical event and prev_hash, and from format 2 a keyed pseudonym of the subject; the first event has prev_hash null (or the fold start)';

/**
 * Data-subject export (GDPR art. 15 and 20): the user's consent record and every audit event, with the
 * visitor chains that were linked to the user at login, as a consent receipt that can be re-linked.
 */
@Injectable()
export class ConsentReceiptService {
  private readonly logger = new Logger(ConsentReceiptService.name);

  constructor(
    private readonly consent: ConsentService,
    private readonly audit: ConsentAuditService,
    private readonly policy: ConsentPolicy,
    private readonly clock: Clock,
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
    @Optional() @Inject(AUTH_CONSENT_ROUTES) private readonly routes?: ResolvedRoutes,
  ) {}

  /** Where the consent routes are mounted (option routes.consent). */
  private consentPath(): string {
    return this.routes?.consent || '/consent';
  }

  /** The receipt of a user; 503 ({@link ConsentUnavailableException}) when the database cannot be reached. */
  async receiptFor(userId: string): Promise<ConsentReceipt> {
    try {
      return await this.build(userId);
    } catch (err) {
      if (err instanceof HttpException || !isDatabaseUnavailable(err)) throw err;
      this.logger.error(`Consent database unavailable: ${(err as Error).message}`);
      throw new ConsentUnavailableException();
    }
  }

  private async build(userId: string): Promise<ConsentReceipt> {
    const subject: ConsentSubject = { type: 'user', id: userId };
    const now = this.clock.now();
    const record = await this.ds
      .getRepository(ConsentRecordEntity)
      .findOne({ where: { subjectType: 'user', subjectId: userId } });
    const state = await this.consent.getStateOf(subject);
    const chain = await this.chainOf(subject, record !== null);
    const visitors = await this.ds
      .getRepository(ConsentRecordEntity)
      .find({ where: { subjectType: 'visitor', linkedUserId: userId }, order: { decidedAt: 'ASC' } });
    const linked: ConsentReceiptChain[] = [];
    for (const v of visitors) linked.push(await this.chainOf({ type: 'visitor', id: v.subjectId }));

    const events = chain.events;
    const iso = (d: Date | undefined | null) => (d ? new Date(d).toISOString() : null);
    const status = !record
      ? 'none'
      : record.policyVersion !== this.policy.version
        ? 'superseded-policy'
        : record.expiresAt.getTime() <= now
          ? 'expired'
          : 'active';
    return {
      schema_version: CONSENT_RECEIPT_SCHEMA,
      record_id: record?.id ?? null,
      generated_at: new Date(now).toISOString(),
      pii_principal_id: userId,
      subject,
      notice: {
        policy_version: record?.policyVersion ?? this.policy.version,
        policy_hash: record?.policyHash ?? this.policy.hash,
        policy_url: this.policy.options.policyUrl ?? null,
        text_hash: record?.textHash ?? null,
        language:
          [...chain.events].reverse().find((e) => e.detail?.textHash === record?.textHash)?.detail?.language ?? null,
        texts: this.policy.texts,
      },
      collection_method: record?.source ?? null,
      jurisdiction: this.jurisdictionOf(chain.events),
      timestamps: {
        first_event_at: events[0]?.timestamp ?? null,
        last_event_at: events[events.length - 1]?.timestamp ?? null,
        decided_at: iso(record?.decidedAt),
        expires_at: iso(record?.expiresAt),
      },
      validity: {
        valid_from: iso(record?.decidedAt),
        valid_until: iso(record?.expiresAt),
        status,
        needs_consent: state.needsConsent,
      },
      purposes: this.policy.categories.map((c) => ({
        purpose_id: c.key,
        purpose: c.name,
        description: c.description,
        lawful_basis: c.required ? 'strictly-necessary' : 'consent',
        consent_state: c.required || record?.decisions[c.key] === true ? 'granted' : record ? 'refused' : 'not-decided',
        in_force: state.decisions[c.key] === true,
        cookies: c.cookies.map((k) => k.name ?? k.pattern!.source),
      })),
      withdrawal: {
        method: `DELETE ${this.consentPath()}`,
        description: `Withdraw at any time, as easily as you gave consent: the cookie settings of the site, or DELETE ${this.consentPath()} while signed in, refuses every optional purpose and expires its cookies at once.`,
      },
      chain,
      linked_visitors: linked,
    };
  }

  private async chainOf(subject: ConsentSubject, hasRecord = true): Promise<ConsentReceiptChain> {
    const events = await this.audit.events(subject);
    const fold = await this.ds
      .getRepository(ConsentCheckpointEntity)
      .findOne({ where: { subjectType: subject.type, subjectId: subject.id, kind: 'fold' }, order: { seq: 'DESC' } });
    const head = await this.ds
      .getRepository(ConsentHeadEntity)
      .exists({ where: { subjectType: subject.type, subjectId: subject.id } });
    // A subject with nothing at all (never decided) has nothing to verify; verify() would call the missing head a
    // break. A record without a chain is verified (and fails): the receipt never vouches for a decision no event records.
    const nothing = !head && !fold && events.length === 0 && !hasRecord;
    const report: ConsentVerifyReport = nothing
      ? { ok: true, subjects: 0, checked: 0, broken: 0 }
      : await this.consent.verify(subject);
    return {
      subject,
      algorithm: ALGORITHM,
      start: fold ? { seq: fold.seq + 1, hash: fold.hash } : null,
      verification: {
        ok: report.ok,
        checked: report.checked,
        ...(report.ok ? {} : { broken_at: report.brokenAt, reason: report.reason }),
      },
      events: events.filter((e) => !fold || e.seq > fold.seq).map((e) => this.eventOf(e)),
    };
  }

  private jurisdictionOf(events: ConsentReceiptEvent[]): ConsentReceipt['jurisdiction'] {
    const last = [...events].reverse().find((e) => e.detail?.ruleSet);
    return { rule_set: last?.detail?.ruleSet ?? null, region: last?.detail?.region ?? null };
  }

  private eventOf(e: ConsentEventEntity): ConsentReceiptEvent {
    return {
      seq: e.seq,
      format: e.format,
      action: e.action,
      timestamp: new Date(e.createdAt).toISOString(),
      collection_method: e.source,
      policy_version: e.policyVersion,
      policy_hash: e.policyHash,
      decisions_before: e.decisionsBefore ?? null,
      decisions_after: e.decisionsAfter,
      locale: e.locale,
      detail: e.detail ?? null,
      ip: e.ip,
      user_agent: e.userAgent,
      prev_hash: e.prevHash ?? null,
      hash: e.hash,
    };
  }
}
