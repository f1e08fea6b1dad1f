import type { ConsentPolicy } from './consent.policy.js';
import type { ConsentRuleSet } from './consent-regions.js';
import type { ConsentRecordEntity } from './consent-record.entity.js';
import type {
  ConsentAction,
  ConsentDecisions,
  ConsentEventContext,
  ConsentEventDetail,
  ConsentSnapshot,
  ConsentSource,
  ConsentSubject,
} from './consent-subject.js';

/** What a write decides from the subject's current decision; `null` writes nothing. */
export interface DecisionPlan {
  decisions: ConsentDecisions;
  action: ConsentAction;
  source: ConsentSource;
  gpc: boolean;
  /** The request carried `Sec-GPC: 1` (kept in the record's `gpc` column and the snapshot's `sig`). */
  signal?: boolean;
  /** The rule set the decision was made under (kept in the record's `rule_set` and the snapshot's `oo`). */
  ruleSet?: ConsentRuleSet;
  /** The text hash the decision was made on (the record's `text_hash`, the snapshot's `th`). */
  textHash?: string;
  /** The event's optional fields (format 2); left out when empty. */
  detail?: ConsentEventDetail;
  /** Keep these times (a linked decision keeps its own age); default: now and now + lifetime. */
  decidedAt?: number;
  expiresAt?: number;
  /** Record the event but leave the record as it is (a link where the user's own decision wins). */
  keepRecord?: boolean;
}

/** Decides from the current snapshot (read under the writer's serialisation) and the write's time. */
export type DecisionPlanner = (current: ConsentSnapshot | null, now: number) => DecisionPlan | null;

/** One decision to write for a subject. */
export interface ConsentWriteRequest {
  subject: ConsentSubject;
  context: ConsentEventContext;
  plan: DecisionPlanner;
  /** The subject ID was minted for this write, so it has no chain or record yet (saves a read). */
  fresh?: boolean;
  /** A login link: marks this visitor's record as linked to the (user) subject, atomically with the write. */
  linkVisitorId?: string;
}

/** The event, and the record fields unless the record stays as it is, that a plan resolves to. */
export interface ResolvedWrite {
  event: {
    action: ConsentAction;
    source: ConsentSource;
    before: ConsentDecisions | null;
    after: ConsentDecisions;
    policyVersion: string;
    policyHash: string;
    detail: ConsentEventDetail | null;
  };
  /** `null` when the plan keeps the record. */
  record: {
    decisions: ConsentDecisions;
    source: ConsentSource;
    gpc: boolean;
    ruleSet: ConsentRuleSet | null;
    textHash: string | null;
    decidedAt: number;
    expiresAt: number;
  } | null;
  /** The subject's snapshot once the write commits. */
  snapshot: ConsentSnapshot | null;
}

/**
 * Turns a plan into exactly what is written, the same way for every writer: the event records the current
 * decisions as `before` (the record's, whatever their validity) and the completed decisions as `after`.
 */
export function resolveWrite(
  policy: ConsentPolicy,
  subject: ConsentSubject,
  current: ConsentSnapshot | null,
  p: DecisionPlan,
  now: number,
): ResolvedWrite {
  const decisions = policy.complete(p.decisions);
  const before = current?.d ?? null;
  // Empty detail is no detail: the event then hashes exactly as one written before the field existed.
  const detail = p.detail && Object.keys(p.detail).length > 0 ? p.detail : null;
  const event = {
    action: p.action,
    source: p.source,
    before,
    after: p.keepRecord && current ? current.d : decisions,
    policyVersion: policy.version,
    policyHash: policy.hash,
    detail,
  };
  if (p.keepRecord) return { event, record: null, snapshot: current };
  const decidedAt = p.decidedAt ?? now;
  const expiresAt = p.expiresAt ?? now + policy.lifetimeOf(decisions);
  const signal = p.gpc || p.signal === true;
  const optOut = p.ruleSet === 'opt-out';
  return {
    event,
    record: {
      decisions,
      source: p.source,
      gpc: signal,
      ruleSet: optOut ? 'opt-out' : null,
      textHash: p.textHash ?? null,
      decidedAt,
      expiresAt,
    },
    snapshot: {
      v: policy.version,
      d: decisions,
      at: decidedAt,
      exp: expiresAt,
      gpc: p.source === 'gpc',
      ...(signal ? { sig: true } : {}),
      ...(optOut ? { oo: true } : {}),
      ...(p.textHash ? { th: p.textHash } : {}),
      sub: `${subject.type}:${subject.id}`,
    },
  };
}

/** A stored record as the snapshot the planner and the gate read. */
export function snapshotOfRecord(record: ConsentRecordEntity | null): ConsentSnapshot | null {
  if (!record) return null;
  return {
    v: record.policyVersion,
    d: record.decisions,
    at: new Date(record.decidedAt).getTime(),
    exp: new Date(record.expiresAt).getTime(),
    gpc: record.source === 'gpc',
    ...(record.gpc ? { sig: true } : {}),
    ...(record.ruleSet === 'opt-out' ? { oo: true } : {}),
    ...(record.textHash ? { th: record.textHash } : {}),
    sub: `${record.subjectType}:${record.subjectId}`,
  };
}
