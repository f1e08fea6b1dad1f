import { canonicalJson, hmacHex } from './consent-canonical.js';
import type { ConsentCheckpointEntity } from './consent-checkpoint.entity.js';
import type { ConsentEventCategoryEntity } from './consent-event-category.entity.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import type { ConsentEventEntity } from './consent-event.entity.js';
import {
  chainPseudonym,
  checkpointMaterial,
  CONSENT_FORMAT,
  eventMaterial,
  type HashableEvent,
  type SignableCheckpoint,
} from './consent-format.js';
import type { ConsentKeys } from './consent-keys.provider.js';
import type { ConsentRecordEntity } from './consent-record.entity.js';

/** A subject as the tables key it. */
export type SubjectKey = { subjectType: string; subjectId: string };

/** Everything stored about one subject's chain, as verify() loads it (for many subjects at once). */
export interface ChainRows {
  subject: SubjectKey;
  /** Every event row of the subject, by seq. */
  events: ConsentEventEntity[];
  head: { seq: number; hash: string | null } | null;
  /** The retention fold with the highest seq. */
  fold: ConsentCheckpointEntity | null;
  /** The signed head checkpoint with the highest seq. */
  signedHead: ConsentCheckpointEntity | null;
  anchors: ConsentCheckpointEntity[];
  record: ConsentRecordEntity | null;
  /** Side-table rows by event ID, as {@link categoryFacts} gives them. */
  categories: Map<string, CategoryFacts[]>;
}

/**
 * What verify() needs of one `consent_event_categories` row: its category and decisions, and whether its
 * action and time are the event's (PostgreSQL's verify-all compares those in the query that reads the row).
 */
export interface CategoryFacts {
  category: string;
  matchesEvent: boolean;
  grantedBefore: boolean | null;
  grantedAfter: boolean | null;
}

/**
 * Files a checkpoint row under its chain: an anchor among the anchors, a signed head as the signed head, and
 * a retention fold when it is the latest (highest seq, then highest ID).
 */
export function addCheckpoint(chain: ChainRows, c: ConsentCheckpointEntity): void {
  if (c.kind === 'anchor') chain.anchors.push(c);
  else if (c.kind === 'head') chain.signedHead = c;
  else if (!chain.fold || c.seq > chain.fold.seq || (c.seq === chain.fold.seq && Number(c.id) > Number(chain.fold.id)))
    chain.fold = c;
}

/** The facts of an event's side-table rows, compared with the event here. */
export function categoryFacts(
  e: Pick<ConsentEventEntity, 'action' | 'createdAt'>,
  rows: ConsentEventCategoryEntity[],
): CategoryFacts[] {
  const at = new Date(e.createdAt).getTime();
  return rows.map((r) => ({
    category: r.category,
    matchesEvent: r.action === e.action && new Date(r.createdAt).getTime() === at,
    grantedBefore: r.grantedBefore ?? null,
    grantedAfter: r.grantedAfter ?? null,
  }));
}

/**
 * JSON columns decoded once per distinct text (decisions repeat across millions of events): the value is
 * deep-frozen and shared by every row holding that text, and {@link ConsentChainCheck} computes its canonical
 * JSON once. Bounded: it starts over after `limit` distinct texts.
 */
export class JsonColumnCache {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly limit = 4096) {}

  decode(text: string | null | undefined): unknown {
    if (text === null || text === undefined) return null;
    let value = this.values.get(text);
    if (value === undefined) {
      value = deepFreeze(JSON.parse(text));
      if (value !== null && typeof value === 'object') decodedByCache.add(value);
      if (this.values.size >= this.limit) this.values.clear();
      this.values.set(text, value);
    }
    return value;
  }
}

/** The values a {@link JsonColumnCache} decoded: deep-frozen, so their canonical JSON never changes. */
const decodedByCache = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** The first break of a chain: the seq where it is, and why. */
export interface ChainFailure {
  seq: number;
  reason: string;
}

/** The outcome for one subject. */
export interface ChainVerdict {
  subject: SubjectKey;
  /** Events whose hash was recomputed. */
  checked: number;
  failure?: ChainFailure;
}

class Broken extends Error {
  constructor(readonly failure: ChainFailure) {
    super(failure.reason);
  }
}

function fail(seq: number, reason: string): never {
  throw new Broken({ seq, reason });
}

/**
 * The checks of verify() on one subject's rows, without I/O:
 *
 * 1. the retention fold's MAC; events at or below the fold (which the fold deleted in its own transaction) are
 *    checked, not skipped: they must be genuine (hashes, links) and lead exactly to the fold's hash;
 * 2. every later event: seq without gaps, `prev_hash`, hash (format 1 as ever; format 2 with the chain's subject
 *    pseudonym, so a chain moved to another subject no longer verifies), and its category side-table rows;
 * 3. the head row and the latest signed head checkpoint (tail truncation);
 * 4. subject anchors, and that a chain with no format-2 event, fold or head checkpoint has one;
 * 5. the current record (`consent_records`, what the gate enforces) against the last event.
 */
export class ConsentChainCheck {
  constructor(private readonly keys: ConsentKeys) {}

  /** Canonical JSON of the values a {@link JsonColumnCache} decoded (shared by every row with the same text), computed once each. */
  private readonly canonicalOfFrozen = new WeakMap<object, string>();
  private readonly canonical = (value: unknown): string => {
    if (value === null || typeof value !== 'object' || !decodedByCache.has(value)) return canonicalJson(value);
    let text = this.canonicalOfFrozen.get(value);
    if (text === undefined) {
      text = canonicalJson(value);
      this.canonicalOfFrozen.set(value, text);
    }
    return text;
  };

  hashEvent(e: HashableEvent, pseudonym: string): string | null {
    const material = eventMaterial(e, pseudonym, this.canonical);
    return material === null ? null : hmacHex(this.keys.audit, material);
  }

  checkpointMac(c: SignableCheckpoint, pseudonym: string): string | null {
    const material = checkpointMaterial(c, pseudonym);
    return material === null ? null : hmacHex(this.keys.audit, material);
  }

  verify(rows: ChainRows): ChainVerdict {
    const verdict: ChainVerdict = { subject: rows.subject, checked: 0 };
    try {
      this.check(rows, verdict);
    } catch (err) {
      if (!(err instanceof Broken)) throw err;
      verdict.failure = err.failure;
    }
    return verdict;
  }

  private check(rows: ChainRows, verdict: ChainVerdict): void {
    const { events, fold, head, signedHead, anchors, subject } = rows;
    const lastEvent = events.length > 0 ? events[events.length - 1] : null;
    const pseudonym = chainPseudonym(this.keys.subject, subject.subjectType, subject.subjectId, lastEvent);
    // Only a chain with a signed head or an anchor needs its events by seq (verify-all checks millions of chains).
    let bySeq: Map<number, ConsentEventEntity> | undefined;

    if (events.length === 0 && !fold && (head?.seq ?? 0) === 0 && rows.record)
      fail(1, 'a consent record exists but no event records a decision');
    if (fold && fold.mac !== this.checkpointMac(fold, pseudonym))
      fail(fold.seq, 'retention checkpoint signature does not match (edited, or copied from another subject)');

    const checkEvent = (e: ConsentEventEntity, prev: string | null) => {
      if ((e.prevHash ?? null) !== prev) fail(e.seq, 'prev_hash does not match the previous event');
      verdict.checked++;
      const hash = this.hashEvent(e, pseudonym);
      if (hash === null) fail(e.seq, `event format ${e.format} is unknown to this version`);
      if (hash !== e.hash)
        fail(
          e.seq,
          e.format >= CONSENT_FORMAT
            ? 'hash does not match the event (edited, or moved from another subject)'
            : 'hash does not match the event (edited)',
        );
      this.checkCategories(e, rows.categories.get(String(e.id)) ?? []);
    };

    // Events at or below the fold: retention deletes them with the fold, so any left must be the genuine run that ends at it.
    const below = fold ? events.filter((e) => e.seq <= fold.seq) : [];
    for (const [i, e] of below.entries()) {
      if (i > 0 && e.seq !== below[i - 1].seq + 1)
        fail(
          below[i - 1].seq + 1,
          `event ${below[i - 1].seq + 1} is missing below the retention fold at seq ${fold!.seq}`,
        );
      checkEvent(e, i > 0 ? below[i - 1].hash : e.seq === 1 ? null : (e.prevHash ?? null));
    }
    if (
      below.length > 0 &&
      (below[below.length - 1].seq !== fold!.seq || below[below.length - 1].hash !== fold!.hash)
    ) {
      fail(
        below[below.length - 1].seq,
        `event ${below[below.length - 1].seq} is at or below the retention fold at seq ${fold!.seq} but does not lead to its hash`,
      );
    }

    let expected = fold ? fold.seq + 1 : 1;
    let prev: string | null = fold ? fold.hash : null;
    for (const e of events) {
      if (fold && e.seq <= fold.seq) continue;
      if (e.seq !== expected) fail(expected, `event ${expected} is missing`);
      checkEvent(e, prev);
      prev = e.hash;
      expected++;
    }
    const last = expected - 1;

    if (!head) fail(last + 1, 'chain head is missing');
    if (head.seq > last) fail(last + 1, `tail truncated: the head is at seq ${head.seq}`);
    if (head.seq < last || (head.hash ?? null) !== prev) fail(head.seq + 1, 'chain head does not match the last event');

    /**
     * Whether a signed statement about seq/hash matches the chain (an event, or the fold); undefined when it
     * predates the fold. A format-2 statement cannot predate a format-1 fold (folds made since format 2 are
     * format 2): that fold was copied from another chain.
     */
    const matches = (statement: Pick<ConsentCheckpointEntity, 'seq' | 'hash' | 'format'>): boolean | undefined => {
      bySeq ??= new Map(events.map((e) => [e.seq, e]));
      const at = bySeq.get(statement.seq);
      if (at) return at.hash === statement.hash;
      if (fold && statement.seq === fold.seq) return fold.hash === statement.hash;
      if (fold && statement.seq < fold.seq && statement.format >= CONSENT_FORMAT && fold.format < CONSENT_FORMAT)
        return false;
      return undefined;
    };

    if (signedHead) {
      if (signedHead.mac !== this.checkpointMac(signedHead, pseudonym))
        fail(signedHead.seq, 'head checkpoint signature does not match (edited, or copied from another subject)');
      if (signedHead.seq > last) fail(last + 1, `tail truncated: a signed checkpoint saw seq ${signedHead.seq}`);
      if (matches(signedHead) === false) fail(signedHead.seq, 'event differs from the signed head checkpoint');
    }

    for (const anchor of anchors) {
      if (anchor.format < CONSENT_FORMAT || anchor.mac !== this.checkpointMac(anchor, pseudonym)) {
        fail(anchor.seq, 'subject anchor signature does not match (edited, or moved from another subject)');
      }
      if (anchor.seq > last) fail(last + 1, `tail truncated: the subject anchor saw seq ${anchor.seq}`);
      if (matches(anchor) === false) fail(anchor.seq, 'event differs from the subject anchor');
    }

    // Format-1 rows do not name the subject: such a chain must be bound to it by a format-2 row.
    const bound =
      events.some((e) => e.format >= CONSENT_FORMAT) ||
      (fold?.format ?? 0) >= CONSENT_FORMAT ||
      (signedHead?.format ?? 0) >= CONSENT_FORMAT ||
      anchors.length > 0;
    if (last > 0 && !bound)
      fail(
        last,
        'chain of format-1 events has no subject anchor (moved from another subject, or written by an older version after the upgrade)',
      );

    this.checkRecord(rows.record, lastEvent);
  }

  /** The category side-table rows of an event are exactly those its decisions give. */
  private checkCategories(e: ConsentEventEntity, rows: CategoryFacts[]): void {
    const expected = ConsentEventCategoryIndexer.changesOf(e.decisionsBefore, e.decisionsAfter);
    if (rows.length === 0 && expected.length > 0) {
      fail(
        e.seq,
        'category rows of the event are missing (deleted, or written before the side table: run ConsentEventCategoryIndexer.backfill())',
      );
    }
    for (const c of expected) {
      // A handful of rows per event: a scan is cheaper than a map (the primary key makes categories unique).
      let r: CategoryFacts | undefined;
      for (let i = rows.length - 1; i >= 0; i--) {
        if (rows[i].category === c.category) {
          r = rows[i];
          break;
        }
      }
      if (!r) fail(e.seq, `category row '${c.category}' of the event is missing`);
      if (!r.matchesEvent || r.grantedBefore !== c.grantedBefore || r.grantedAfter !== c.grantedAfter) {
        fail(e.seq, `category row '${c.category}' does not match the event`);
      }
    }
    if (rows.length !== expected.length) fail(e.seq, 'category rows name a category the event does not');
  }

  /**
   * The record is what the last event left: none after an erasure or before any event; otherwise its
   * decisions and policy version, and for a decision of the subject's own (not a login link, which may keep the
   * user's record) its policy hash, source and decision time.
   */
  private checkRecord(record: ConsentRecordEntity | null, lastEvent: ConsentEventEntity | null): void {
    // Nothing left to compare with when retention folded a whole format-1 chain (a record without any chain fails earlier).
    if (!lastEvent) return;
    if (lastEvent.action === 'erase') {
      if (record) fail(lastEvent.seq, 'a consent record exists after the erase event');
      return;
    }
    if (!record) fail(lastEvent.seq, `the consent record is missing (event ${lastEvent.seq} left one)`);
    const differs = (what: string) =>
      fail(
        lastEvent.seq,
        `the consent record does not match the chain: its ${what} differ from event ${lastEvent.seq}`,
      );
    if (canonicalJson(record.decisions) !== this.canonical(lastEvent.decisionsAfter)) differs('decisions');
    if (record.policyVersion !== lastEvent.policyVersion) differs('policy version');
    const decidedAt = new Date(record.decidedAt).getTime();
    const at = new Date(lastEvent.createdAt).getTime();
    if (lastEvent.action === 'link') {
      if (decidedAt > at) differs('decision time');
    } else {
      if (record.policyHash !== lastEvent.policyHash) differs('policy hash');
      if (record.source !== lastEvent.source) differs('source');
      if (decidedAt !== at) differs('decision time');
    }
  }
}
