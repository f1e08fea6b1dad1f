import type { ConsentEventEntity } from '../consent/consent-event.entity.js';

/** One consent event as the admin API returns it (list items, NDJSON lines). */
export interface ConsentEventView {
  id: string;
  subjectType: string;
  subjectId: string;
  seq: number;
  action: string;
  decisionsBefore: Record<string, boolean> | null;
  decisionsAfter: Record<string, boolean>;
  policyVersion: string;
  policyHash: string;
  source: string;
  locale: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  prevHash: string | null;
  hash: string;
}

export function toConsentEventView(e: ConsentEventEntity): ConsentEventView {
  return {
    id: String(e.id),
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    seq: e.seq,
    action: e.action,
    decisionsBefore: e.decisionsBefore ?? null,
    decisionsAfter: e.decisionsAfter,
    policyVersion: e.policyVersion,
    policyHash: e.policyHash,
    source: e.source,
    locale: e.locale,
    ip: e.ip,
    userAgent: e.userAgent,
    createdAt: e.createdAt.toISOString(),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
