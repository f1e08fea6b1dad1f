import { createHmac } from 'node:crypto';
import { canonicalJson } from './consent-canonical.js';
import type { ConsentEventEntity } from './consent-event.entity.js';
import type { ConsentCheckpointEntity } from './consent-checkpoint.entity.js';

/**
 * The formats of audit events and checkpoints (their `format` column), i.e. what their HMAC covers.
 *
 * - **1**: everything written before the subject was bound. The event hash covers the canonical event (seq,
 *   action, decisions, policy, source, locale, time) and `prev_hash`; a checkpoint MAC covers kind, seq, hash,
 *   events and time. Neither names the subject, so these rows are never re-hashed: they verify as they are, and
 *   an `anchor` checkpoint (format 2) binds each such chain's head to its subject.
 * - **2**: adds `v: 2` and `sub`, the subject's keyed pseudonym ({@link subjectPseudonym}), to the same material.
 *   Fields a later release adds to format 2 (the `detail` column: the GPC signal and its override, such as the
 *   language or the rule set a decision was made under) are optional and left out of the material when absent (canonical JSON drops undefined keys), so events
 *   written before them keep their hashes.
 */
export const CONSENT_FORMAT_LEGACY = 1;
/** The format the module writes. */
export const CONSENT_FORMAT = 2;

/** What the event hash covers (the row's subject, IP and user agent are not part of it). */
export type HashableEvent = Pick<
  ConsentEventEntity,
  | 'seq'
  | 'action'
  | 'decisionsBefore'
  | 'decisionsAfter'
  | 'policyVersion'
  | 'policyHash'
  | 'source'
  | 'locale'
  | 'createdAt'
  | 'prevHash'
> & { format: number; detail?: ConsentEventEntity['detail'] };

/** What a checkpoint MAC covers. */
export type SignableCheckpoint = Pick<
  ConsentCheckpointEntity,
  'kind' | 'seq' | 'hash' | 'events' | 'createdAt' | 'format'
>;

/** Erasure renames a subject to this prefix and its pseudonym: the chain keeps verifying under the new ID. */
export const ERASED_PREFIX = 'erased-';

/**
 * A subject's keyed pseudonym: HMAC-SHA-256 of its type and ID under a key derived from `consent.auditSecret`,
 * base64url (43 characters). Format-2 material binds it instead of the subject ID, so no personal data is
 * hashed and a chain cannot be moved to another subject. Erasure names the subject `erased-<pseudonym>`.
 */
export function subjectPseudonym(key: Buffer, subjectType: string, subjectId: string): string {
  return createHmac('sha256', key)
    .update(canonicalJson([subjectType, subjectId]))
    .digest('base64url');
}

/**
 * The pseudonym a chain's format-2 rows are bound to: the subject's own, or for a chain erased under format 2
 * (its last event a format-2 `erase` and its ID `erased-<pseudonym>`) the pseudonym of the subject it was
 * erased from, which its ID carries.
 */
export function chainPseudonym(
  key: Buffer,
  subjectType: string,
  subjectId: string,
  last: Pick<ConsentEventEntity, 'action' | 'format'> | null | undefined,
): string {
  if (last && last.format >= CONSENT_FORMAT && last.action === 'erase' && subjectId.startsWith(ERASED_PREFIX))
    return subjectId.slice(ERASED_PREFIX.length);
  return subjectPseudonym(key, subjectType, subjectId);
}

/**
 * {@link eventMaterial} written out in canonical key order (what canonicalJson gives, byte for byte, when no
 * field is undefined: consent-canonical.spec compares them); verify-all computes it for every event.
 */
function eventMaterialInOrder(e: HashableEvent, pseudonym: string, v2: boolean, c: (value: unknown) => string): string {
  const base =
    `{"action":${c(e.action)},"after":${c(e.decisionsAfter)},"at":${c(new Date(e.createdAt).getTime())},"before":${c(e.decisionsBefore ?? null)},` +
    // Format 2's optional `detail` (GPC, rule set, text hash), only when set: older rows hash as before.
    (v2 && e.detail ? `"detail":${c(e.detail)},` : '') +
    `"locale":${c(e.locale ?? null)},"policyHash":${c(e.policyHash)},"policyVersion":${c(e.policyVersion)},"prev":${c(e.prevHash ?? null)},` +
    `"seq":${c(e.seq)},"source":${c(e.source)}`;
  return v2 ? `${base},"sub":${c(pseudonym)},"v":2}` : `${base}}`;
}

/**
 * The hashed material of an event in its format; null for a format this version does not know. `canonical`
 * must give what {@link canonicalJson} gives (verify-all passes one that remembers the decisions it decoded).
 */
export function eventMaterial(
  e: HashableEvent,
  pseudonym: string,
  canonical: (value: unknown) => string = canonicalJson,
): string | null {
  const complete =
    e.seq !== undefined &&
    e.action !== undefined &&
    e.decisionsAfter !== undefined &&
    e.policyVersion !== undefined &&
    e.policyHash !== undefined &&
    e.source !== undefined;
  if (complete && (e.format === CONSENT_FORMAT_LEGACY || e.format === CONSENT_FORMAT))
    return eventMaterialInOrder(e, pseudonym, e.format === CONSENT_FORMAT, canonical);
  const base = {
    seq: e.seq,
    action: e.action,
    before: e.decisionsBefore ?? null,
    after: e.decisionsAfter,
    policyVersion: e.policyVersion,
    policyHash: e.policyHash,
    source: e.source,
    locale: e.locale ?? null,
    at: new Date(e.createdAt).getTime(),
    prev: e.prevHash ?? null,
  };
  if (e.format === CONSENT_FORMAT_LEGACY) return canonicalJson(base);
  // The optional fields (`detail`) exist only in format 2, and only when set: older rows hash as before.
  if (e.format === CONSENT_FORMAT)
    return canonicalJson({ v: 2, sub: pseudonym, ...base, detail: e.detail ?? undefined });
  return null;
}

/** The signed material of a checkpoint in its format; null for a format this version does not know. */
export function checkpointMaterial(c: SignableCheckpoint, pseudonym: string): string | null {
  const base = {
    kind: c.kind,
    seq: c.seq,
    hash: c.hash ?? null,
    events: c.events,
    at: new Date(c.createdAt).getTime(),
  };
  if (c.format === CONSENT_FORMAT_LEGACY) return canonicalJson(base);
  if (c.format === CONSENT_FORMAT) return canonicalJson({ v: 2, sub: pseudonym, ...base });
  return null;
}
