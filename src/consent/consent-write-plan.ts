import type { ConsentPolicy } from './consent-policy.service.js';
import type { ConsentRecordEntity } from './consent-record.entity.js';
import type { ConsentAction, ConsentDecisions, ConsentEventContext, ConsentSnapshot, ConsentSource, ConsentSubject } from './consent-subject.js';

/** What a write decides from the subject's current decision; `null` writes nothing. */
export interface DecisionPlan {
  decisions: ConsentDecisions;
  action: ConsentAction;
  source: ConsentSource;
  gpc: boolean;
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
  event: { action: ConsentAction; source: ConsentSource; before: ConsentDecisions | null; after: ConsentDecisions; policyVersion: string; policyHash: string };
  /** `null` when the plan keeps the record. */
  record: { decisions: ConsentDecisions; source: ConsentSource; gpc: boolean; decidedAt: number; expiresAt: number } | null;
  /** The subject's snapshot once the write commits. */
  snapshot: ConsentSnapshot | null;
}

/**
 * Turns a plan into exactly what is written, the same way for every writer: the event records the current
 * decisions as `before` (the record's, whatever their validity) and the completed decisions as `after`.
 */
export function resolveWrite(policy: ConsentPolicy, subject: ConsentSubject, current: ConsentSnapshot | null, p: DecisionPlan, now: number): ResolvedWrite {
  const decisions = policy.complete(p.decisions);
  const before = current?.d ?? null;
  const event = { action: p.action, source: p.source, before, after: p.keepRecord && current ? current.d : decisions, policyVersion: policy.version, policyHash: policy.hash };
  if (p.keepRecord) return { event, record: null, snapshot: current };
  const decidedAt = p.decidedAt ?? now;
  const expiresAt = p.expiresAt ?? now + policy.lifetimeOf(decisions);
  return {
    event,
    record: { decisions, source: p.source, gpc: p.gpc, decidedAt, expiresAt },
    snapshot: { v: policy.version, d: decisions, at: decidedAt, exp: expiresAt, gpc: p.source === 'gpc', sub: `${subject.type}:${subject.id}` },
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
    sub: `${record.subjectType}:${record.subjectId}`,
  };
}
