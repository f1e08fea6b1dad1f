import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, In, LessThan, type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { Clock } from '../common/clock.js';
import {
  addCheckpoint,
  categoryFacts,
  ConsentChainCheck,
  JsonColumnCache,
  type CategoryFacts,
  type ChainRows,
  type ChainVerdict,
  type SubjectKey,
} from './consent-chain.check.js';
import { ConsentCheckpointEntity } from './consent-checkpoint.entity.js';
import { ConsentEventCategoryEntity } from './consent-event-category.entity.js';
import { ConsentEventEntity } from './consent-event.entity.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import {
  chainPseudonym,
  CONSENT_FORMAT,
  ERASED_PREFIX,
  subjectPseudonym,
  type HashableEvent,
  type SignableCheckpoint,
} from './consent-format.js';
import { ConsentHeadEntity } from './consent-head.entity.js';
import { CONSENT_KEYS, type ConsentKeys } from './consent-keys.provider.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import type {
  ConsentAction,
  ConsentDecisions,
  ConsentEventContext,
  ConsentEventDetail,
  ConsentSource,
  ConsentSubject,
} from './consent-subject.js';

/** One event to append to a subject's chain. */
export interface ConsentEventInput {
  action: ConsentAction;
  source: ConsentSource;
  before: ConsentDecisions | null;
  after: ConsentDecisions;
  policyVersion: string;
  policyHash: string;
  /** Optional fields of format 2 (null or absent: none). */
  detail?: ConsentEventDetail | null;
  context?: ConsentEventContext;
}

/** What a write sees inside its transaction: the locked head, the current record, and ways to change them. */
export interface ConsentChainTx {
  em: EntityManager;
  now: Date;
  record: ConsentRecordEntity | null;
  append(input: ConsentEventInput): Promise<ConsentEventEntity>;
}

/** Result of {@link ConsentAuditService.verify}. */
export interface ConsentVerifyReport {
  ok: boolean;
  /** Subjects whose chain was checked. */
  subjects: number;
  /** Events whose hash was recomputed. */
  checked: number;
  /** First broken seq of the first broken chain. */
  brokenAt?: number;
  subjectType?: string;
  subjectId?: string;
  reason?: string;
  /** Number of broken chains. */
  broken: number;
  /** Every-subject verify only: rows of the category side table whose event does not exist (they would count in the stats). */
  strayCategoryRows?: number;
}

/** Result of a head checkpoint: store `digest` outside the database (a log, a ticket) to detect later rollbacks. */
export interface ConsentCheckpointReport {
  subjects: number;
  digest: string;
  at: string;
}

export type { SubjectKey } from './consent-chain.check.js';

/** The walks over every subject verify() makes, in this order (see {@link ConsentAuditService.subjectsToVerify}). */
export const VERIFY_PASSES = ['events', 'heads', 'records'] as const;
export type VerifyPass = (typeof VERIFY_PASSES)[number];

/** Subjects per batch of the heads and records passes and of checkpointing: five queries load all their rows. */
export const VERIFY_BATCH = 500;

/** Event rows per step of the every-subject verify (see {@link ConsentAuditService.verifyAll}): bounds its memory. */
export const VERIFY_ROWS = 10_000;

/** One step of the every-subject walk: the chains read whole, and the subject ID the next step starts after (none at the end). */
interface EventStep {
  chains: ChainRows[];
  last?: string;
}

/** Running totals of an every-subject verify. */
export interface ConsentVerifyProgress {
  subjects: number;
  checked: number;
  broken: number;
}

/** Options of an every-subject verify. */
export interface ConsentVerifyOptions {
  /** Called with the running totals after each step. */
  onProgress?: (progress: ConsentVerifyProgress) => void;
  /** Event rows read per step (default {@link VERIFY_ROWS}): memory is bounded by it. */
  rows?: number;
}

/** Rows of the heads or records table per statement of the verify passes over them. */
const PASS_WINDOW = 5000;

/** IDs per `IN` list of a verify query (every database takes a thousand parameters). */
const ID_LIST = 1000;

/** Event IDs per query of {@link ConsentAuditService.strayCategoryRows}. */
const STRAY_WINDOW = 100_000n;

/** The row that records that the chains existing at the upgrade to format 2 were anchored (no subject). */
const ANCHORED_MARKER = { subjectType: '*', subjectId: '*', kind: 'anchored' as const };

/**
 * The append-only audit history. Each event's `hash` is an HMAC (server key) over its canonical form,
 * `prev_hash` and (format 2) the subject's keyed pseudonym; the subject ID, IP and user agent are outside the
 * hashed material so erasure pseudonymises them without breaking the chain (see consent-format.ts). Writes for
 * one subject are serialised on its `consent_heads` row: locked here (retention, erasure, the TypeORM writer),
 * or moved by compare-and-set in the PostgreSQL writer.
 */
/** A chain's head with the action and format of the event at its seq. */
type HeadRow = SubjectKey & {
  seq: number | string;
  hash: string | null;
  action: string | null;
  format: number | string | null;
};

@Injectable()
export class ConsentAuditService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConsentAuditService.name);
  private readonly mutex = new KeyedMutex();
  private readonly sqlite: boolean;
  private readonly check: ConsentChainCheck;

  constructor(
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
    @Inject(CONSENT_KEYS) private readonly keys: ConsentKeys,
    private readonly clock: Clock,
    private readonly categoryIndex: ConsentEventCategoryIndexer,
  ) {
    this.sqlite = ds.options.type === 'better-sqlite3';
    this.check = new ConsentChainCheck(keys);
  }

  /** The subject's keyed pseudonym, which format-2 events and checkpoints bind (see consent-format.ts). */
  subjectPseudonym(subject: ConsentSubject): string {
    return subjectPseudonym(this.keys.subject, subject.type, subject.id);
  }

  /** The event hash in the event's format: HMAC over the canonical event without personal data, chained by prev_hash. */
  hashEvent(e: HashableEvent, pseudonym: string): string {
    const hash = this.check.hashEvent(e, pseudonym);
    if (hash === null) throw new Error(`Unknown consent event format ${e.format}.`);
    return hash;
  }

  private signed<T extends SignableCheckpoint>(c: T, pseudonym: string): T & { mac: string } {
    const mac = this.check.checkpointMac(c, pseudonym);
    if (mac === null) throw new Error(`Unknown consent checkpoint format ${c.format}.`);
    return { ...c, mac };
  }

  /**
   * Runs `work` in one transaction holding the subject's head row lock: the record and its event commit
   * together or not at all, and concurrent writers of one subject queue behind each other.
   */
  async transact<T>(subject: ConsentSubject, work: (tx: ConsentChainTx) => Promise<T>): Promise<T> {
    // SQLite has a single connection: its transactions cannot overlap at all, so they queue globally.
    const key = this.sqlite ? '*' : `${subject.type}:${subject.id}`;
    return this.mutex.run(key, async () => {
      await this.ds
        .createQueryBuilder()
        .insert()
        .into(ConsentHeadEntity)
        .values({
          subjectType: subject.type,
          subjectId: subject.id,
          seq: 0,
          hash: null,
          updatedAt: new Date(this.clock.now()),
        })
        .orIgnore()
        .execute();
      return this.ds.transaction(async (em) => {
        const lock = this.sqlite ? {} : { lock: { mode: 'pessimistic_write' as const } };
        const where = { subjectType: subject.type, subjectId: subject.id };
        const head = await em.findOneOrFail(ConsentHeadEntity, { where, ...lock });
        const record = await em.findOne(ConsentRecordEntity, { where, ...lock });
        const now = new Date(this.clock.now());
        const tx: ConsentChainTx = {
          em,
          now,
          record,
          append: async (input) => {
            const event = em.create(ConsentEventEntity, {
              subjectType: subject.type,
              subjectId: subject.id,
              seq: head.seq + 1,
              action: input.action,
              decisionsBefore: input.before,
              decisionsAfter: input.after,
              policyVersion: input.policyVersion,
              policyHash: input.policyHash,
              source: input.source,
              locale: input.context?.locale ?? null,
              detail: input.detail ?? null,
              ip: input.context?.ip ?? null,
              userAgent: input.context?.userAgent?.slice(0, 512) ?? null,
              createdAt: now,
              prevHash: head.hash,
              format: CONSENT_FORMAT,
            });
            event.hash = this.hashEvent(event, this.subjectPseudonym(subject));
            await em.insert(ConsentEventEntity, event);
            // Same transaction: the admin's category filter and stats never disagree with the log.
            await this.categoryIndex.index(em, [event]);
            head.seq = event.seq;
            head.hash = event.hash;
            head.updatedAt = now;
            await em.update(ConsentHeadEntity, where, { seq: head.seq, hash: head.hash, updatedAt: now });
            return event;
          },
        };
        return work(tx);
      });
    });
  }

  /** The subject's events, oldest first. */
  async events(subject: ConsentSubject): Promise<ConsentEventEntity[]> {
    return this.ds
      .getRepository(ConsentEventEntity)
      .find({ where: { subjectType: subject.type, subjectId: subject.id }, order: { seq: 'ASC' } });
  }

  // ---- verification -------------------------------------------------------------------------------

  /**
   * Verifies every chain (or one subject's) and reports the first broken seq: an edited, removed, reordered or
   * inserted event (hash, seq, prev_hash; events at or below a retention fold included), a chain moved to
   * another subject (format-2 hashes and checkpoint MACs bind its keyed pseudonym; a format-1 chain its anchor),
   * a truncated tail (the head row, the latest signed head checkpoint or an anchor ahead of the last event),
   * category side-table rows that disagree with their event, and a current record that disagrees with the last
   * event. Every subject is walked by {@link verifyAll} (bounded memory); the every-subject verify also counts
   * side-table rows that belong to no event. `options.onProgress` sees the running totals after each step.
   */
  async verify(subject?: ConsentSubject, options: ConsentVerifyOptions = {}): Promise<ConsentVerifyReport> {
    const report: ConsentVerifyReport = { ok: true, subjects: 0, checked: 0, broken: 0 };
    const add = (verdicts: ChainVerdict[]) => {
      for (const v of verdicts) {
        report.subjects++;
        report.checked += v.checked;
        if (!v.failure) continue;
        report.broken++;
        if (report.ok)
          Object.assign(report, {
            ok: false,
            brokenAt: v.failure.seq,
            subjectType: v.subject.subjectType,
            subjectId: v.subject.subjectId,
            reason: v.failure.reason,
          });
      }
    };
    if (subject) {
      add(await this.verifyBatch([{ subjectType: subject.type, subjectId: subject.id }]));
      return report;
    }
    for await (const verdicts of this.verifyAll(options.rows)) {
      add(verdicts);
      options.onProgress?.({ subjects: report.subjects, checked: report.checked, broken: report.broken });
    }
    const strays = await this.strayCategoryRows();
    report.strayCategoryRows = strays.count;
    if (strays.count > 0 && report.ok) {
      Object.assign(report, {
        ok: false,
        reason: `${strays.count} row(s) of the category side table belong to no event (first event_id ${strays.firstEventId})`,
      });
    }
    return report;
  }

  /**
   * The verdicts of every chain, a batch at a time, in bounded memory: first the subjects with events, read as
   * one keyset walk over the events in (subject_type, subject_id, seq) order, `rows` raw rows per
   * step ({@link VERIFY_ROWS}), with the heads, checkpoints, records and category rows of the step's subjects read by range (five
   * queries per step in one snapshot, no query per subject); then heads that claim events none of which is
   * left, and records no chain backs (both normally empty). Stray category rows are {@link strayCategoryRows}.
   */
  async *verifyAll(rows = VERIFY_ROWS): AsyncGenerator<ChainVerdict[]> {
    const json = new JsonColumnCache();
    for (let type = await this.nextSubjectType(); type !== null; type = await this.nextSubjectType(type)) {
      // The next step's rows are read while this step's chains are checked (the database works meanwhile).
      let pending: Promise<EventStep> | undefined = this.readEventStep(type, undefined, rows, json);
      try {
        while (pending) {
          const step: EventStep = await pending;
          pending = step.last === undefined ? undefined : this.readEventStep(type, step.last, rows, json);
          const verdicts = step.chains.map((c) => this.check.verify(c));
          if (verdicts.length > 0) yield verdicts;
        }
      } finally {
        // A consumer that stops early: let the read in flight end (its transaction with it), whatever its outcome.
        await pending?.catch(() => undefined);
      }
    }
    for (const pass of ['heads', 'records'] as const) {
      for await (const subjects of this.passWindows(pass)) {
        for (let i = 0; i < subjects.length; i += VERIFY_BATCH)
          yield await this.verifyBatch(subjects.slice(i, i + VERIFY_BATCH));
      }
    }
  }

  /**
   * The subjects of the `heads` or `records` pass (see {@link subjectsToVerify}), a window of
   * {@link PASS_WINDOW} rows of that table at a time, per subject type: each statement reads a bounded range of
   * the index (the anti-joins over a whole table outlast the statement limit at a few hundred thousand subjects).
   */
  private async *passWindows(pass: 'heads' | 'records'): AsyncGenerator<SubjectKey[]> {
    const repo = this.ds.getRepository<ObjectLiteral>(pass === 'heads' ? ConsentHeadEntity : ConsentRecordEntity);
    const nextType = async (after?: string): Promise<string | null> => {
      const qb = repo.createQueryBuilder('s').select('MIN(s.subject_type)', 't');
      if (after !== undefined) qb.where('s.subject_type > :after', { after });
      return (await qb.getRawOne<{ t: string | null }>())?.t ?? null;
    };
    for (let type = await nextType(); type !== null; type = await nextType(type)) {
      let after: string | undefined;
      for (;;) {
        // Where this window ends: the PASS_WINDOW-th row of the type after `after` (none: the rest of the type).
        const end = repo
          .createQueryBuilder('s')
          .select('s.subject_id', 'subjectId')
          .where('s.subject_type = :type', { type });
        if (after !== undefined) end.andWhere('s.subject_id > :after', { after });
        const upTo = (
          await end
            .orderBy('s.subject_id', 'ASC')
            .offset(PASS_WINDOW - 1)
            .limit(1)
            .getRawOne<{ subjectId: string }>()
        )?.subjectId;
        yield await this.subjectsToVerify(
          pass,
          after === undefined ? undefined : { subjectType: type, subjectId: after },
          PASS_WINDOW,
          { type, upTo },
        );
        if (upTo === undefined) break;
        after = upTo;
      }
    }
  }

  /** The number of chains (heads past seq 0): what {@link verifyAll} walks, but for records no chain backs. */
  async countChains(): Promise<number> {
    const row = await this.ds
      .getRepository(ConsentHeadEntity)
      .createQueryBuilder('h')
      .select('COUNT(*)', 'n')
      .where('h.seq > 0')
      .getRawOne<{ n: number | string }>();
    return Number(row?.n ?? 0);
  }

  /** The smallest subject type of an event after `after` (a loose index scan: one probe per type). */
  private async nextSubjectType(after?: string): Promise<string | null> {
    const qb = this.ds.getRepository(ConsentEventEntity).createQueryBuilder('e').select('MIN(e.subject_type)', 't');
    if (after !== undefined) qb.where('e.subject_type > :after', { after });
    const row = await qb.getRawOne<{ t: string | null }>();
    return row?.t ?? null;
  }

  /**
   * One step of the events walk over subjects of `type` after `after`: the rows of the subjects whose events
   * all came in this step, and where the next step starts (undefined at the end). A subject cut by the
   * row limit is left to the next step, which reads it again whole, so each chain is read in one snapshot.
   */
  private readEventStep(
    type: string,
    after: string | undefined,
    limit: number,
    json: JsonColumnCache,
  ): Promise<EventStep> {
    const postgres = this.ds.options.type === 'postgres';
    const step = async (em: EntityManager): Promise<EventStep> => {
      let rows: ConsentEventEntity[];
      let categories: Map<string, CategoryFacts[]> | undefined;
      if (postgres) {
        ({ rows, categories } = await this.pgEventStep(em, type, after, limit, json));
      } else {
        const events = this.rawRows(em, ConsentEventEntity, 'e').where('e.subject_type = :type', { type });
        if (after !== undefined) events.andWhere('e.subject_id > :after', { after });
        rows = this.hydrated(
          ConsentEventEntity,
          await events.orderBy('e.subject_id', 'ASC').addOrderBy('e.seq', 'ASC').limit(limit).getRawMany(),
        );
      }
      if (rows.length === 0) return { chains: [] };
      const full = rows.length === limit;
      let complete = rows;
      if (full) {
        const cut = rows[rows.length - 1].subjectId;
        complete = rows.slice(
          0,
          rows.findIndex((e) => e.subjectId === cut),
        );
        // One subject with more events than a step: read it on its own.
        if (complete.length === 0)
          return { chains: await this.readChains(em, [{ subjectType: type, subjectId: cut }]), last: cut };
      }
      const chains = await this.readChainRange(em, type, complete, categories);
      return { chains, last: full ? chains[chains.length - 1].subject.subjectId : undefined };
    };
    if (this.sqlite) return this.mutex.run('*', () => step(this.ds.manager));
    return this.ds.transaction('REPEATABLE READ', step);
  }

  /**
   * PostgreSQL: one step's events in one statement, each with its category rows as a JSON array of
   * `[category, matchesEvent, granted_before, granted_after]`, where `matchesEvent` is the row's action and time
   * compared with the event's in SQL (an index probe per event, no ID list to send, nothing to group). Only the
   * columns verify reads (IP and user agent are neither hashed nor checked); JSON columns decoded once per
   * distinct text ({@link JsonColumnCache}). JIT is off for the statement: its compile time is more than the
   * statement's run time at this size.
   */
  private async pgEventStep(
    em: EntityManager,
    type: string,
    after: string | undefined,
    limit: number,
    json: JsonColumnCache,
  ): Promise<{ rows: ConsentEventEntity[]; categories: Map<string, CategoryFacts[]> }> {
    type Row = {
      id: string;
      subject_id: string;
      seq: number;
      action: string;
      decisions_before: string | null;
      decisions_after: string;
      policy_version: string;
      policy_hash: string;
      source: string;
      locale: string | null;
      created_at: Date;
      prev_hash: string | null;
      hash: string;
      detail: string | null;
      format: number;
      categories: Array<[string, boolean, boolean | null, boolean | null]> | null;
    };
    await em.query('SET LOCAL jit = off');
    const params: unknown[] = [type, limit];
    if (after !== undefined) params.push(after);
    const raw = (await em.query(
      `SELECT e.id, e.subject_id, e.seq, e.action, e.decisions_before, e.decisions_after, e.policy_version, e.policy_hash, e.source, e.locale, e.created_at, ` +
        `e.prev_hash, e.hash, e.detail, e.format, ` +
        `(SELECT json_agg(json_build_array(c.category, COALESCE(c.action = e.action AND c.created_at = e.created_at, false), c.granted_before, c.granted_after)) ` +
        `FROM ${this.table(ConsentEventCategoryEntity)} c WHERE c.event_id = e.id) AS categories ` +
        `FROM ${this.table(ConsentEventEntity)} e WHERE e.subject_type = $1${after === undefined ? '' : ' AND e.subject_id > $3'} ` +
        `ORDER BY e.subject_id, e.seq LIMIT $2`,
      params,
    )) as Row[];
    const rows: ConsentEventEntity[] = new Array<ConsentEventEntity>(raw.length);
    const categories = new Map<string, CategoryFacts[]>();
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i];
      const id = String(r.id);
      rows[i] = {
        id,
        subjectType: type,
        subjectId: r.subject_id,
        seq: Number(r.seq),
        action: r.action,
        decisionsBefore: json.decode(r.decisions_before),
        decisionsAfter: json.decode(r.decisions_after),
        policyVersion: r.policy_version,
        policyHash: r.policy_hash,
        source: r.source,
        locale: r.locale,
        ip: null,
        userAgent: null,
        createdAt: r.created_at,
        prevHash: r.prev_hash,
        hash: r.hash,
        detail: json.decode(r.detail),
        format: Number(r.format),
      } as ConsentEventEntity;
      if (r.categories) {
        categories.set(
          id,
          r.categories.map(([category, matchesEvent, grantedBefore, grantedAfter]) => ({
            category,
            matchesEvent,
            grantedBefore,
            grantedAfter,
          })),
        );
      }
    }
    return { rows, categories };
  }

  /** A query of every column of `entity` as raw values named by property (no entity hydration: see {@link hydrated}). */
  private rawRows<T extends ObjectLiteral>(
    em: EntityManager,
    entity: new () => T,
    alias: string,
  ): SelectQueryBuilder<T> {
    const qb = em.getRepository(entity).createQueryBuilder(alias).select([]);
    for (const c of this.ds.getMetadata(entity).columns) qb.addSelect(`${alias}.${c.databaseName}`, c.propertyName);
    return qb;
  }

  /** Raw rows of {@link rawRows} as plain objects with the values an entity would hold (the driver's conversions). */
  private hydrated<T extends ObjectLiteral>(entity: new () => T, rows: ObjectLiteral[]): T[] {
    const columns = this.ds.getMetadata(entity).columns;
    const driver = this.ds.driver;
    return rows.map((raw) => {
      const out: ObjectLiteral = {};
      for (const c of columns) out[c.propertyName] = driver.prepareHydratedValue(raw[c.propertyName], c);
      return out as T;
    });
  }

  /**
   * The rows verify() reads for the subjects of `events` (one type, in subject order, each with all of its
   * events), by subject range: heads (with the id of each one's latest signed head checkpoint), folds, anchors
   * and those checkpoints, records, and the events' category rows. Rows of subjects in the range without events
   * are skipped here (the heads and records passes of {@link verifyAll} see them).
   */
  private async readChainRange(
    em: EntityManager,
    type: string,
    events: ConsentEventEntity[],
    categories?: Map<string, CategoryFacts[]>,
  ): Promise<ChainRows[]> {
    const chains = new Map<string, ChainRows>();
    for (const e of events) {
      let chain = chains.get(e.subjectId);
      if (!chain) {
        chain = {
          subject: { subjectType: type, subjectId: e.subjectId },
          events: [],
          head: null,
          fold: null,
          signedHead: null,
          anchors: [],
          record: null,
          categories: new Map(),
        };
        chains.set(e.subjectId, chain);
      }
      chain.events.push(e);
    }
    const range = { type, lo: events[0].subjectId, hi: events[events.length - 1].subjectId };
    const inRange = (alias: string) =>
      `${alias}.subject_type = :type AND ${alias}.subject_id >= :lo AND ${alias}.subject_id <= :hi`;

    if (categories) {
      // Read with the events (PostgreSQL, see pgEventStep).
      for (const e of events) {
        const facts = categories.get(String(e.id));
        if (facts) chains.get(e.subjectId)!.categories.set(String(e.id), facts);
      }
    } else {
      // By event ID (primary-key probes): a join on the subject range would let the database scan the whole side table.
      const byId = new Map(events.map((e) => [String(e.id), e]));
      const ids = [...byId.keys()];
      const rowsOf = new Map<string, ConsentEventCategoryEntity[]>();
      for (let i = 0; i < ids.length; i += ID_LIST) {
        const eventIds = ids.slice(i, i + ID_LIST);
        for (const c of this.hydrated(
          ConsentEventCategoryEntity,
          await this.rawRows(em, ConsentEventCategoryEntity, 'c')
            .where('c.event_id IN (:...eventIds)', { eventIds })
            .getRawMany(),
        )) {
          const list = rowsOf.get(String(c.eventId));
          if (list) list.push(c);
          else rowsOf.set(String(c.eventId), [c]);
        }
      }
      for (const [id, rows] of rowsOf) {
        const e = byId.get(id);
        if (e) chains.get(e.subjectId)!.categories.set(id, categoryFacts(e, rows));
      }
    }

    const heads = await em
      .getRepository(ConsentHeadEntity)
      .createQueryBuilder('h')
      .select('h.subject_id', 'subjectId')
      .addSelect('h.seq', 'seq')
      .addSelect('h.hash', 'hash')
      .addSelect(
        `(SELECT c.id FROM ${this.table(ConsentCheckpointEntity)} c WHERE c.subject_type = h.subject_type AND c.subject_id = h.subject_id AND c.kind = 'head' ORDER BY c.seq DESC LIMIT 1)`,
        'checkpointId',
      )
      .where(inRange('h'), range)
      .getRawMany<{
        subjectId: string;
        seq: number | string;
        hash: string | null;
        checkpointId: number | string | null;
      }>();
    const signedHeadIds: string[] = [];
    for (const h of heads) {
      const chain = chains.get(h.subjectId);
      if (!chain) continue;
      chain.head = { seq: Number(h.seq), hash: h.hash ?? null };
      if (h.checkpointId !== null && h.checkpointId !== undefined) signedHeadIds.push(String(h.checkpointId));
    }

    const cq = this.rawRows(em, ConsentCheckpointEntity, 'c').where(
      `(${inRange('c')} AND c.kind IN ('fold', 'anchor'))`,
      range,
    );
    if (signedHeadIds.length > 0) cq.orWhere('c.id IN (:...signedHeadIds)', { signedHeadIds });
    for (const c of this.hydrated(ConsentCheckpointEntity, await cq.getRawMany())) {
      const chain = c.subjectType === type ? chains.get(c.subjectId) : undefined;
      if (chain) addCheckpoint(chain, c);
    }

    for (const r of this.hydrated(
      ConsentRecordEntity,
      await this.rawRows(em, ConsentRecordEntity, 'r').where(inRange('r'), range).getRawMany(),
    )) {
      const chain = chains.get(r.subjectId);
      if (chain) chain.record = r;
    }
    return [...chains.values()];
  }

  /** The verdict of each subject's chain, in the order given; five queries whatever the number of subjects (keep it to a batch). */
  async verifyBatch(subjects: SubjectKey[]): Promise<ChainVerdict[]> {
    if (subjects.length === 0) return [];
    return (await this.loadChains(subjects)).map((rows) => this.check.verify(rows));
  }

  /**
   * One batch of subjects to verify, in keyset order after `after`: subjects with events (`events`), then heads
   * that claim events none of which is left (`heads`: a chain cut to nothing), then records of subjects with
   * neither (`records`: a record no event backs). Together they name each subject once.
   */
  subjectsToVerify(
    pass: VerifyPass,
    after?: SubjectKey,
    limit = VERIFY_BATCH,
    window?: { type: string; upTo?: string },
  ): Promise<SubjectKey[]> {
    const events = this.table(ConsentEventEntity);
    const heads = this.table(ConsentHeadEntity);
    const target = { events: ConsentEventEntity, heads: ConsentHeadEntity, records: ConsentRecordEntity }[pass];
    const qb = this.ds
      .getRepository<ObjectLiteral>(target)
      .createQueryBuilder('s')
      .select('s.subject_type', 'subjectType')
      .addSelect('s.subject_id', 'subjectId');
    if (window) {
      // One subject type, a bounded range of its index (see passWindows).
      qb.where('s.subject_type = :windowType', { windowType: window.type });
      if (after) qb.andWhere('s.subject_id > :afterId', { afterId: after.subjectId });
      if (window.upTo !== undefined) qb.andWhere('s.subject_id <= :upTo', { upTo: window.upTo });
    } else if (after) {
      qb.where('(s.subject_type > :afterType OR (s.subject_type = :afterType AND s.subject_id > :afterId))', {
        afterType: after.subjectType,
        afterId: after.subjectId,
      });
    }
    const noEvents = `NOT EXISTS (SELECT 1 FROM ${events} x WHERE x.subject_type = s.subject_type AND x.subject_id = s.subject_id)`;
    if (pass === 'events') qb.groupBy('s.subject_type').addGroupBy('s.subject_id');
    if (pass === 'heads') qb.andWhere('s.seq > 0').andWhere(noEvents);
    if (pass === 'records') {
      qb.andWhere(noEvents).andWhere(
        `NOT EXISTS (SELECT 1 FROM ${heads} h WHERE h.subject_type = s.subject_type AND h.subject_id = s.subject_id AND h.seq > 0)`,
      );
    }
    return qb.orderBy('s.subject_type', 'ASC').addOrderBy('s.subject_id', 'ASC').limit(limit).getRawMany<SubjectKey>();
  }

  /**
   * Rows of the category side table whose event does not exist (they would count in the admin's stats): one
   * query per window of {@link STRAY_WINDOW} event IDs, so that no statement scans the whole table.
   */
  async strayCategoryRows(): Promise<{ count: number; firstEventId: string | null }> {
    const categories = this.ds.getRepository(ConsentEventCategoryEntity);
    // The next window starts at the next row's event ID, so gaps in the IDs cost one probe each.
    const next = async (from?: bigint): Promise<bigint | null> => {
      const qb = categories.createQueryBuilder('c').select('MIN(c.event_id)', 'lo');
      if (from !== undefined) qb.where('c.event_id >= :from', { from: String(from) });
      const row = await qb.getRawOne<{ lo: number | string | null }>();
      return row?.lo === null || row?.lo === undefined ? null : BigInt(row.lo);
    };
    let count = 0;
    let first: string | null = null;
    for (let lo = await next(); lo !== null; lo = await next(lo + STRAY_WINDOW)) {
      const row = await categories
        .createQueryBuilder('c')
        .select('COUNT(*)', 'n')
        .addSelect('MIN(c.event_id)', 'first')
        .where('c.event_id >= :lo AND c.event_id < :until', { lo: String(lo), until: String(lo + STRAY_WINDOW) })
        .andWhere(`NOT EXISTS (SELECT 1 FROM ${this.table(ConsentEventEntity)} e WHERE e.id = c.event_id)`)
        .getRawOne<{ n: number | string; first: number | string | null }>();
      count += Number(row?.n ?? 0);
      if (first === null && row?.first !== null && row?.first !== undefined) first = String(row.first);
    }
    return { count, firstEventId: first };
  }

  private table(entity: new () => object): string {
    return this.ds.driver.escape(this.ds.getMetadata(entity).tablePath);
  }

  /** `(alias.subject_type = … AND alias.subject_id IN (…)) OR …` for the subjects, with its parameters. */
  private whereSubjects<T extends ObjectLiteral>(
    qb: SelectQueryBuilder<T>,
    alias: string,
    subjects: SubjectKey[],
  ): SelectQueryBuilder<T> {
    const byType = new Map<string, string[]>();
    for (const s of subjects) {
      const ids = byType.get(s.subjectType) ?? [];
      ids.push(s.subjectId);
      byType.set(s.subjectType, ids);
    }
    const params: Record<string, unknown> = {};
    const parts = [...byType].map(([type, ids], i) => {
      params[`subjectType${i}`] = type;
      params[`subjectIds${i}`] = ids;
      return `(${alias}.subject_type = :subjectType${i} AND ${alias}.subject_id IN (:...subjectIds${i}))`;
    });
    return qb.where(`(${parts.join(' OR ')})`, params);
  }

  /**
   * Every row verify() reads for these subjects, in five queries that see one state of the database: a
   * decision committed between two of them would otherwise look like a break (a head ahead of the events, a
   * record ahead of the last event). One repeatable-read transaction gives them a single snapshot; SQLite's
   * single connection instead queues them with the writers' transactions.
   */
  private loadChains(subjects: SubjectKey[]): Promise<ChainRows[]> {
    if (this.sqlite) return this.mutex.run('*', () => this.readChains(this.ds.manager, subjects));
    return this.ds.transaction('REPEATABLE READ', (em) => this.readChains(em, subjects));
  }

  private async readChains(em: EntityManager, subjects: SubjectKey[]): Promise<ChainRows[]> {
    const key = (s: SubjectKey) => `${s.subjectType}\u0000${s.subjectId}`;
    const chains = new Map<string, ChainRows>(
      subjects.map((s) => [
        key(s),
        {
          subject: s,
          events: [],
          head: null,
          fold: null,
          signedHead: null,
          anchors: [],
          record: null,
          categories: new Map(),
        },
      ]),
    );
    const of = (s: SubjectKey) => chains.get(key(s));

    const events = await this.whereSubjects(em.getRepository(ConsentEventEntity).createQueryBuilder('e'), 'e', subjects)
      .orderBy('e.seq', 'ASC')
      .getMany();
    for (const e of events) of(e)?.events.push(e);

    const categories = await this.whereSubjects(
      em
        .getRepository(ConsentEventCategoryEntity)
        .createQueryBuilder('c')
        .innerJoin(ConsentEventEntity, 'e', 'e.id = c.eventId'),
      'e',
      subjects,
    ).getMany();
    const byEvent = new Map<string, ConsentEventCategoryEntity[]>();
    for (const c of categories) {
      const list = byEvent.get(String(c.eventId)) ?? [];
      list.push(c);
      byEvent.set(String(c.eventId), list);
    }
    for (const e of events) {
      const rows = byEvent.get(String(e.id));
      if (rows) of(e)?.categories.set(String(e.id), categoryFacts(e, rows));
    }

    // Each head with the id of its latest signed head checkpoint (an index probe per head; heads pile up one checkpoint a day).
    const heads = await this.whereSubjects(em.getRepository(ConsentHeadEntity).createQueryBuilder('h'), 'h', subjects)
      .select('h.subject_type', 'subjectType')
      .addSelect('h.subject_id', 'subjectId')
      .addSelect('h.seq', 'seq')
      .addSelect('h.hash', 'hash')
      .addSelect(
        `(SELECT c.id FROM ${this.table(ConsentCheckpointEntity)} c WHERE c.subject_type = h.subject_type AND c.subject_id = h.subject_id AND c.kind = 'head' ORDER BY c.seq DESC LIMIT 1)`,
        'checkpointId',
      )
      .getRawMany<SubjectKey & { seq: number | string; hash: string | null; checkpointId: number | string | null }>();
    const signedHeadIds: string[] = [];
    for (const h of heads) {
      const chain = of(h);
      if (!chain) continue;
      chain.head = { seq: Number(h.seq), hash: h.hash ?? null };
      if (h.checkpointId !== null && h.checkpointId !== undefined) signedHeadIds.push(String(h.checkpointId));
    }

    const cq = this.whereSubjects(
      em.getRepository(ConsentCheckpointEntity).createQueryBuilder('c'),
      'c',
      subjects,
    ).andWhere("c.kind IN ('fold', 'anchor')");
    if (signedHeadIds.length > 0) cq.orWhere({ id: In(signedHeadIds) });
    for (const c of await cq.getMany()) {
      const chain = of(c);
      if (chain) addCheckpoint(chain, c);
    }

    for (const r of await this.whereSubjects(
      em.getRepository(ConsentRecordEntity).createQueryBuilder('r'),
      'r',
      subjects,
    ).getMany()) {
      const chain = of(r);
      if (chain) chain.record = r;
    }
    return [...chains.values()];
  }

  // ---- checkpoints and anchors ---------------------------------------------------------------------

  /** Each head with the action and format of the event at its seq (which says whose pseudonym binds the chain). */
  private headsWithLastEvent(where: string, after?: SubjectKey, limit = VERIFY_BATCH, type?: string) {
    const qb = this.ds
      .getRepository(ConsentHeadEntity)
      .createQueryBuilder('h')
      .leftJoin(
        ConsentEventEntity,
        'e',
        'e.subject_type = h.subject_type AND e.subject_id = h.subject_id AND e.seq = h.seq',
      )
      .select('h.subject_type', 'subjectType')
      .addSelect('h.subject_id', 'subjectId')
      .addSelect('h.seq', 'seq')
      .addSelect('h.hash', 'hash')
      .addSelect('e.action', 'action')
      .addSelect('e.format', 'format')
      .where(where);
    if (type !== undefined) {
      // One subject type: the keyset is a plain range of the heads' index.
      qb.andWhere('h.subject_type = :type', { type });
      if (after) qb.andWhere('h.subject_id > :afterId', { afterId: after.subjectId });
    } else if (after) {
      qb.andWhere('(h.subject_type > :afterType OR (h.subject_type = :afterType AND h.subject_id > :afterId))', {
        afterType: after.subjectType,
        afterId: after.subjectId,
      });
    }
    return qb.orderBy('h.subject_type', 'ASC').addOrderBy('h.subject_id', 'ASC').limit(limit).getRawMany<HeadRow>();
  }

  /** A signed checkpoint of `kind` over a head's seq and hash (a `head` checkpoint, or a legacy chain's `anchor`). */
  private headCheckpoint(h: HeadRow, kind: 'head' | 'anchor', createdAt: Date) {
    const cp = {
      subjectType: h.subjectType,
      subjectId: h.subjectId,
      kind,
      seq: Number(h.seq),
      hash: h.hash,
      events: 0,
      createdAt,
      format: CONSENT_FORMAT,
    };
    return this.signed(cp, this.pseudonymOfHead(h));
  }

  private pseudonymOfHead(h: SubjectKey & { action: string | null; format: number | string | null }): string {
    return chainPseudonym(
      this.keys.subject,
      h.subjectType,
      h.subjectId,
      h.action === null ? null : { action: h.action, format: Number(h.format) },
    );
  }

  /**
   * Signs each chain's current head (run it periodically, e.g. daily from cron via the CLI). verify() then
   * flags a chain whose tail was cut below a signed head; the returned digest, kept outside the database,
   * also exposes a rollback of the checkpoints themselves.
   */
  async checkpointHeads(): Promise<ConsentCheckpointReport> {
    const now = new Date(this.clock.now());
    const digest = createHash('sha256');
    let subjects = 0;
    const heads = this.ds.getRepository(ConsentHeadEntity);
    const nextType = async (after?: string): Promise<string | null> => {
      const qb = heads.createQueryBuilder('h').select('MIN(h.subject_type)', 't');
      if (after !== undefined) qb.where('h.subject_type > :after', { after });
      return (await qb.getRawOne<{ t: string | null }>())?.t ?? null;
    };
    // Per subject type, so that each batch is a range of the heads' index (the same order as before: type, then ID).
    for (let type = await nextType(); type !== null; type = await nextType(type)) {
      let after: SubjectKey | undefined;
      for (;;) {
        const batch = await this.headsWithLastEvent('h.seq > 0', after, VERIFY_BATCH, type);
        if (batch.length === 0) break;
        const rows = batch.map((h) => {
          digest.update(`${h.seq}:${h.hash}\n`);
          return this.headCheckpoint(h, 'head', now);
        });
        await this.ds.getRepository(ConsentCheckpointEntity).insert(rows);
        subjects += batch.length;
        after = batch[batch.length - 1];
        if (batch.length < VERIFY_BATCH) break;
      }
    }
    return { subjects, digest: digest.digest('hex'), at: now.toISOString() };
  }

  /**
   * Binds the head of every chain written before format 2 (its event at the head is format 1, or retention
   * folded all of it) that has no anchor yet to its subject: an `anchor` checkpoint, format 2, over the head's
   * seq and hash and the subject's keyed pseudonym. Such chains are never re-hashed; verify() requires the
   * anchor of a chain with no format-2 row. Runs by itself once, at the first boot after the upgrade; run it
   * again only right after a verify that passed (e.g. for chains an older instance started during a rolling
   * upgrade), since it anchors whatever it finds. Returns the number of chains anchored.
   */
  async anchorLegacyChains(): Promise<number> {
    const checkpoints = this.table(ConsentCheckpointEntity);
    const where =
      `h.seq > 0 AND (e.id IS NULL OR e.format < ${CONSENT_FORMAT}) ` +
      `AND NOT EXISTS (SELECT 1 FROM ${checkpoints} a WHERE a.subject_type = h.subject_type AND a.subject_id = h.subject_id AND a.kind = 'anchor')`;
    let anchored = 0;
    let after: SubjectKey | undefined;
    for (;;) {
      const heads = await this.headsWithLastEvent(where, after);
      if (heads.length === 0) break;
      const now = new Date(this.clock.now());
      const rows = heads.map((h) => this.headCheckpoint(h, 'anchor', now));
      await this.ds.getRepository(ConsentCheckpointEntity).insert(rows);
      anchored += rows.length;
      after = heads[heads.length - 1];
      if (heads.length < VERIFY_BATCH) break;
    }
    return anchored;
  }

  /**
   * At boot, anchors the chains that exist at the upgrade, once: skipped when the `anchored` marker is there,
   * and refused (with a warning) when format-2 events exist without it, so that deleting the marker never gets
   * a chain moved since then anchored to its new subject.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const checkpoints = this.ds.getRepository(ConsentCheckpointEntity);
      if (await checkpoints.exists({ where: ANCHORED_MARKER })) return;
      const written = await this.ds
        .getRepository(ConsentEventEntity)
        .createQueryBuilder('e')
        .select('e.id', 'id')
        .where('e.format >= :format', { format: CONSENT_FORMAT })
        .limit(1)
        .getRawOne();
      if (written) {
        this.logger.warn(
          'Format-2 consent events exist but the record of the upgrade anchoring does not (deleted?): chains without an anchor are not anchored now, and verify() reports them.',
        );
        return;
      }
      const anchored = await this.anchorLegacyChains();
      const marker = {
        ...ANCHORED_MARKER,
        seq: 0,
        hash: null,
        events: anchored,
        createdAt: new Date(this.clock.now()),
        format: CONSENT_FORMAT,
      };
      await checkpoints.insert(this.signed(marker, ''));
      if (anchored > 0)
        this.logger.log(`Anchored ${anchored} consent chain(s) written before event format 2 to their subjects.`);
    } catch (err) {
      this.logger.error(
        `Could not anchor the existing consent chains (verify() reports them; ConsentService.anchorLegacyChains() retries): ${(err as Error).message}`,
      );
    }
  }

  // ---- retention and erasure -----------------------------------------------------------------------

  /**
   * Folds every event created before `cutoff` into one signed `fold` checkpoint per subject and deletes
   * them: the remaining chain verifies from the checkpoint's hash. A chain's newest event is kept, whatever its
   * age, with its IP and user agent cleared once it is older than `cutoff`: it is what the current record (or
   * an erasure) rests on, and verify() compares them. Returns the number of events folded.
   */
  async foldBefore(cutoff: Date): Promise<{ subjects: number; events: number }> {
    const rows = await this.ds
      .getRepository(ConsentEventEntity)
      .createQueryBuilder('e')
      .select('e.subject_type', 'subjectType')
      .addSelect('e.subject_id', 'subjectId')
      .where('e.created_at < :cutoff', { cutoff })
      .distinct(true)
      .getRawMany<SubjectKey>();
    let events = 0;
    for (const s of rows) {
      events += await this.transact(
        { type: s.subjectType as ConsentSubject['type'], id: s.subjectId },
        async ({ em, now }) => {
          const head = await em.findOneOrFail(ConsentHeadEntity, { where: s });
          const old = await em.find(ConsentEventEntity, {
            where: { ...s, createdAt: LessThan(cutoff) },
            order: { seq: 'ASC' },
          });
          const newest = old.find((e) => e.seq === head.seq);
          if (newest && (newest.ip !== null || newest.userAgent !== null))
            await em.update(ConsentEventEntity, { id: newest.id }, { ip: null, userAgent: null });
          const folded = old.filter((e) => e.seq < head.seq);
          if (folded.length === 0) return 0;
          const last = folded[folded.length - 1];
          const previous = await em.findOne(ConsentCheckpointEntity, {
            where: { ...s, kind: 'fold' },
            order: { seq: 'DESC' },
          });
          const lastEvent = newest ?? (await em.findOne(ConsentEventEntity, { where: { ...s, seq: head.seq } }));
          const cp = {
            ...s,
            kind: 'fold' as const,
            seq: last.seq,
            hash: last.hash,
            events: (previous?.events ?? 0) + folded.length,
            createdAt: now,
            format: CONSENT_FORMAT,
          };
          await em.insert(
            ConsentCheckpointEntity,
            this.signed(cp, chainPseudonym(this.keys.subject, s.subjectType, s.subjectId, lastEvent)),
          );
          // The new fold supersedes the previous one (it starts the chain further on).
          if (previous) await em.delete(ConsentCheckpointEntity, { id: previous.id });
          await this.categoryIndex.forget(em, folded);
          await em.delete(ConsentEventEntity, { ...s, seq: LessThan(last.seq + 1) });
          return folded.length;
        },
      );
    }
    return { subjects: rows.length, events };
  }

  /**
   * The ID an erased subject's rows carry: `erased-` and the subject's keyed pseudonym. Stable (erasing twice is
   * a no-op), not reversible without the key, and it lets verify() check the chain's format-2 rows, which bind
   * that pseudonym. (Subjects erased before format 2 keep the ID they were given.)
   */
  pseudonymOf(subject: ConsentSubject): string {
    return `${ERASED_PREFIX}${this.subjectPseudonym(subject)}`;
  }

  /**
   * GDPR art. 17: replaces the subject ID by a pseudonym in every row, drops IP and user agent, deletes the
   * current record and appends an `erase` event. The hashed material holds none of these, so the chain verifies.
   */
  async erase(
    subject: ConsentSubject,
    policy: { version: string; hash: string },
  ): Promise<{ pseudonym: string; events: number }> {
    const pseudonym = this.pseudonymOf(subject);
    const from = { subjectType: subject.type, subjectId: subject.id };
    const to = { subjectType: subject.type, subjectId: pseudonym };
    let events = 0;
    await this.transact(subject, async ({ em, record }) => {
      const moved = await em.update(ConsentEventEntity, from, { subjectId: pseudonym, ip: null, userAgent: null });
      events = moved.affected ?? 0;
      await em.update(ConsentCheckpointEntity, from, { subjectId: pseudonym });
      if (subject.type === 'user')
        await em.update(ConsentRecordEntity, { linkedUserId: subject.id }, { linkedUserId: null });
      if (record) await em.delete(ConsentRecordEntity, { id: record.id });
      const head = await em.findOneOrFail(ConsentHeadEntity, { where: from });
      await em.delete(ConsentHeadEntity, from);
      await em.insert(ConsentHeadEntity, { ...to, seq: head.seq, hash: head.hash, updatedAt: head.updatedAt });
      if (head.seq === 0) {
        await em.delete(ConsentHeadEntity, to);
        return;
      }
      // The erase event continues the same chain, now under the pseudonym, still bound to the subject's pseudonym.
      const now = new Date(this.clock.now());
      const event = em.create(ConsentEventEntity, {
        ...to,
        seq: head.seq + 1,
        action: 'erase',
        decisionsBefore: record?.decisions ?? null,
        decisionsAfter: {},
        policyVersion: policy.version,
        policyHash: policy.hash,
        source: 'admin',
        locale: null,
        ip: null,
        userAgent: null,
        createdAt: now,
        prevHash: head.hash,
        format: CONSENT_FORMAT,
      });
      event.hash = this.hashEvent(event, this.subjectPseudonym(subject));
      await em.insert(ConsentEventEntity, event);
      await this.categoryIndex.index(em, [event]);
      await em.update(ConsentHeadEntity, to, { seq: event.seq, hash: event.hash, updatedAt: now });
      events++;
    });
    return { pseudonym, events };
  }
}
