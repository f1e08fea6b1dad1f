import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, In, LessThan, type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { Clock } from '../common/clock.js';
import { ConsentChainCheck, type ChainRows, type ChainVerdict, type SubjectKey } from './consent-chain-check.js';
import { ConsentCheckpointEntity } from './consent-checkpoint.entity.js';
import { ConsentEventCategoryEntity } from './consent-event-category.entity.js';
import { ConsentEventEntity } from './consent-event.entity.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import { chainPseudonym, CONSENT_FORMAT, ERASED_PREFIX, subjectPseudonym, type HashableEvent, type SignableCheckpoint } from './consent-format.js';
import { ConsentHeadEntity } from './consent-head.entity.js';
import { CONSENT_KEYS, type ConsentKeys } from './consent-keys.provider.js';
import { KeyedMutex } from './consent-mutex.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import type { ConsentAction, ConsentDecisions, ConsentEventContext, ConsentEventDetail, ConsentSource, ConsentSubject } from './consent-subject.js';

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

export type { SubjectKey } from './consent-chain-check.js';

/** The walks over every subject verify() makes, in this order (see {@link ConsentAuditService.subjectsToVerify}). */
export const VERIFY_PASSES = ['events', 'heads', 'records'] as const;
export type VerifyPass = (typeof VERIFY_PASSES)[number];

/** Subjects per verify batch: five queries load all their rows, whatever the number of events. */
export const VERIFY_BATCH = 500;

/** The row that records that the chains existing at the upgrade to format 2 were anchored (no subject). */
const ANCHORED_MARKER = { subjectType: '*', subjectId: '*', kind: 'anchored' as const };

/**
 * The append-only audit history. Each event's `hash` is an HMAC (server key) over its canonical form,
 * `prev_hash` and (format 2) the subject's keyed pseudonym; the subject ID, IP and user agent are outside the
 * hashed material so erasure pseudonymises them without breaking the chain (see consent-format.ts). Writes for
 * one subject are serialised on its `consent_heads` row: locked here (retention, erasure, the TypeORM writer),
 * or moved by compare-and-set in the PostgreSQL writer.
 */
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
        .values({ subjectType: subject.type, subjectId: subject.id, seq: 0, hash: null, updatedAt: new Date(this.clock.now()) })
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
    return this.ds.getRepository(ConsentEventEntity).find({ where: { subjectType: subject.type, subjectId: subject.id }, order: { seq: 'ASC' } });
  }

  // ---- verification -------------------------------------------------------------------------------

  /**
   * Verifies every chain (or one subject's) and reports the first broken seq: an edited, removed, reordered or
   * inserted event (hash, seq, prev_hash; events at or below a retention fold included), a chain moved to
   * another subject (format-2 hashes and checkpoint MACs bind its keyed pseudonym; a format-1 chain its anchor),
   * a truncated tail (the head row, the latest signed head checkpoint or an anchor ahead of the last event),
   * category side-table rows that disagree with their event, and a current record that disagrees with the last
   * event. Every subject is walked in batches of {@link VERIFY_BATCH} loaded by five queries each; the
   * every-subject verify also counts side-table rows that belong to no event.
   */
  async verify(subject?: ConsentSubject): Promise<ConsentVerifyReport> {
    const report: ConsentVerifyReport = { ok: true, subjects: 0, checked: 0, broken: 0 };
    const add = (verdicts: ChainVerdict[]) => {
      for (const v of verdicts) {
        report.subjects++;
        report.checked += v.checked;
        if (!v.failure) continue;
        report.broken++;
        if (report.ok) Object.assign(report, { ok: false, brokenAt: v.failure.seq, subjectType: v.subject.subjectType, subjectId: v.subject.subjectId, reason: v.failure.reason });
      }
    };
    if (subject) {
      add(await this.verifyBatch([{ subjectType: subject.type, subjectId: subject.id }]));
      return report;
    }
    for (const pass of VERIFY_PASSES) {
      let batch = await this.subjectsToVerify(pass);
      while (batch.length > 0) {
        add(await this.verifyBatch(batch));
        batch = batch.length < VERIFY_BATCH ? [] : await this.subjectsToVerify(pass, batch[batch.length - 1]);
      }
    }
    const strays = await this.strayCategoryRows();
    report.strayCategoryRows = strays.count;
    if (strays.count > 0 && report.ok) {
      Object.assign(report, { ok: false, reason: `${strays.count} row(s) of the category side table belong to no event (first event_id ${strays.firstEventId})` });
    }
    return report;
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
  subjectsToVerify(pass: VerifyPass, after?: SubjectKey, limit = VERIFY_BATCH): Promise<SubjectKey[]> {
    const events = this.table(ConsentEventEntity);
    const heads = this.table(ConsentHeadEntity);
    const target = { events: ConsentEventEntity, heads: ConsentHeadEntity, records: ConsentRecordEntity }[pass];
    const qb = this.ds
      .getRepository<ObjectLiteral>(target)
      .createQueryBuilder('s')
      .select('s.subject_type', 'subjectType')
      .addSelect('s.subject_id', 'subjectId');
    if (after) qb.where('(s.subject_type > :afterType OR (s.subject_type = :afterType AND s.subject_id > :afterId))', { afterType: after.subjectType, afterId: after.subjectId });
    const noEvents = `NOT EXISTS (SELECT 1 FROM ${events} x WHERE x.subject_type = s.subject_type AND x.subject_id = s.subject_id)`;
    if (pass === 'events') qb.groupBy('s.subject_type').addGroupBy('s.subject_id');
    if (pass === 'heads') qb.andWhere('s.seq > 0').andWhere(noEvents);
    if (pass === 'records') {
      qb.andWhere(noEvents).andWhere(`NOT EXISTS (SELECT 1 FROM ${heads} h WHERE h.subject_type = s.subject_type AND h.subject_id = s.subject_id AND h.seq > 0)`);
    }
    return qb.orderBy('s.subject_type', 'ASC').addOrderBy('s.subject_id', 'ASC').limit(limit).getRawMany<SubjectKey>();
  }

  /** Rows of the category side table whose event does not exist (they would count in the admin's stats). */
  async strayCategoryRows(): Promise<{ count: number; firstEventId: string | null }> {
    const row = await this.ds
      .getRepository(ConsentEventCategoryEntity)
      .createQueryBuilder('c')
      .select('COUNT(*)', 'n')
      .addSelect('MIN(c.event_id)', 'first')
      .where(`NOT EXISTS (SELECT 1 FROM ${this.table(ConsentEventEntity)} e WHERE e.id = c.event_id)`)
      .getRawOne<{ n: number | string; first: number | string | null }>();
    return { count: Number(row?.n ?? 0), firstEventId: row?.first === null || row?.first === undefined ? null : String(row.first) };
  }

  private table(entity: new () => object): string {
    return this.ds.driver.escape(this.ds.getMetadata(entity).tablePath);
  }

  /** `(alias.subject_type = … AND alias.subject_id IN (…)) OR …` for the subjects, with its parameters. */
  private whereSubjects<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, subjects: SubjectKey[]): SelectQueryBuilder<T> {
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
      subjects.map((s) => [key(s), { subject: s, events: [], head: null, fold: null, signedHead: null, anchors: [], record: null, categories: new Map() }]),
    );
    const of = (s: SubjectKey) => chains.get(key(s));

    const events = await this.whereSubjects(em.getRepository(ConsentEventEntity).createQueryBuilder('e'), 'e', subjects).orderBy('e.seq', 'ASC').getMany();
    for (const e of events) of(e)?.events.push(e);

    const categories = await this.whereSubjects(
      em.getRepository(ConsentEventCategoryEntity).createQueryBuilder('c').innerJoin(ConsentEventEntity, 'e', 'e.id = c.eventId'),
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
      if (rows) of(e)?.categories.set(String(e.id), rows);
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

    const cq = this.whereSubjects(em.getRepository(ConsentCheckpointEntity).createQueryBuilder('c'), 'c', subjects).andWhere("c.kind IN ('fold', 'anchor')");
    if (signedHeadIds.length > 0) cq.orWhere({ id: In(signedHeadIds) });
    for (const c of await cq.getMany()) {
      const chain = of(c);
      if (!chain) continue;
      if (c.kind === 'anchor') chain.anchors.push(c);
      else if (c.kind === 'head') chain.signedHead = c;
      else if (!chain.fold || c.seq > chain.fold.seq || (c.seq === chain.fold.seq && Number(c.id) > Number(chain.fold.id))) chain.fold = c;
    }

    for (const r of await this.whereSubjects(em.getRepository(ConsentRecordEntity).createQueryBuilder('r'), 'r', subjects).getMany()) {
      const chain = of(r);
      if (chain) chain.record = r;
    }
    return [...chains.values()];
  }

  // ---- checkpoints and anchors ---------------------------------------------------------------------

  /** Each head with the action and format of the event at its seq (which says whose pseudonym binds the chain). */
  private headsWithLastEvent(where: string, after?: SubjectKey, limit = VERIFY_BATCH) {
    const qb = this.ds
      .getRepository(ConsentHeadEntity)
      .createQueryBuilder('h')
      .leftJoin(ConsentEventEntity, 'e', 'e.subject_type = h.subject_type AND e.subject_id = h.subject_id AND e.seq = h.seq')
      .select('h.subject_type', 'subjectType')
      .addSelect('h.subject_id', 'subjectId')
      .addSelect('h.seq', 'seq')
      .addSelect('h.hash', 'hash')
      .addSelect('e.action', 'action')
      .addSelect('e.format', 'format')
      .where(where);
    if (after) qb.andWhere('(h.subject_type > :afterType OR (h.subject_type = :afterType AND h.subject_id > :afterId))', { afterType: after.subjectType, afterId: after.subjectId });
    return qb
      .orderBy('h.subject_type', 'ASC')
      .addOrderBy('h.subject_id', 'ASC')
      .limit(limit)
      .getRawMany<SubjectKey & { seq: number | string; hash: string | null; action: string | null; format: number | string | null }>();
  }

  private pseudonymOfHead(h: SubjectKey & { action: string | null; format: number | string | null }): string {
    return chainPseudonym(this.keys.subject, h.subjectType, h.subjectId, h.action === null ? null : { action: h.action, format: Number(h.format) });
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
    let after: SubjectKey | undefined;
    for (;;) {
      const heads = await this.headsWithLastEvent('h.seq > 0', after);
      if (heads.length === 0) break;
      const rows = heads.map((h) => {
        digest.update(`${h.seq}:${h.hash}\n`);
        const cp = { subjectType: h.subjectType, subjectId: h.subjectId, kind: 'head' as const, seq: Number(h.seq), hash: h.hash, events: 0, createdAt: now, format: CONSENT_FORMAT };
        return this.signed(cp, this.pseudonymOfHead(h));
      });
      await this.ds.getRepository(ConsentCheckpointEntity).insert(rows);
      subjects += heads.length;
      after = heads[heads.length - 1];
      if (heads.length < VERIFY_BATCH) break;
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
      const rows = heads.map((h) => {
        const cp = { subjectType: h.subjectType, subjectId: h.subjectId, kind: 'anchor' as const, seq: Number(h.seq), hash: h.hash, events: 0, createdAt: now, format: CONSENT_FORMAT };
        return this.signed(cp, this.pseudonymOfHead(h));
      });
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
      const marker = { ...ANCHORED_MARKER, seq: 0, hash: null, events: anchored, createdAt: new Date(this.clock.now()), format: CONSENT_FORMAT };
      await checkpoints.insert(this.signed(marker, ''));
      if (anchored > 0) this.logger.log(`Anchored ${anchored} consent chain(s) written before event format 2 to their subjects.`);
    } catch (err) {
      this.logger.error(`Could not anchor the existing consent chains (verify() reports them; ConsentService.anchorLegacyChains() retries): ${(err as Error).message}`);
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
      events += await this.transact({ type: s.subjectType as ConsentSubject['type'], id: s.subjectId }, async ({ em, now }) => {
        const head = await em.findOneOrFail(ConsentHeadEntity, { where: s });
        const old = await em.find(ConsentEventEntity, { where: { ...s, createdAt: LessThan(cutoff) }, order: { seq: 'ASC' } });
        const newest = old.find((e) => e.seq === head.seq);
        if (newest && (newest.ip !== null || newest.userAgent !== null)) await em.update(ConsentEventEntity, { id: newest.id }, { ip: null, userAgent: null });
        const folded = old.filter((e) => e.seq < head.seq);
        if (folded.length === 0) return 0;
        const last = folded[folded.length - 1];
        const previous = await em.findOne(ConsentCheckpointEntity, { where: { ...s, kind: 'fold' }, order: { seq: 'DESC' } });
        const lastEvent = newest ?? (await em.findOne(ConsentEventEntity, { where: { ...s, seq: head.seq } }));
        const cp = { ...s, kind: 'fold' as const, seq: last.seq, hash: last.hash, events: (previous?.events ?? 0) + folded.length, createdAt: now, format: CONSENT_FORMAT };
        await em.insert(ConsentCheckpointEntity, this.signed(cp, chainPseudonym(this.keys.subject, s.subjectType, s.subjectId, lastEvent)));
        // The new fold supersedes the previous one (it starts the chain further on).
        if (previous) await em.delete(ConsentCheckpointEntity, { id: previous.id });
        await this.categoryIndex.forget(em, folded);
        await em.delete(ConsentEventEntity, { ...s, seq: LessThan(last.seq + 1) });
        return folded.length;
      });
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
  async erase(subject: ConsentSubject, policy: { version: string; hash: string }): Promise<{ pseudonym: string; events: number }> {
    const pseudonym = this.pseudonymOf(subject);
    const from = { subjectType: subject.type, subjectId: subject.id };
    const to = { subjectType: subject.type, subjectId: pseudonym };
    let events = 0;
    await this.transact(subject, async ({ em, record }) => {
      const moved = await em.update(ConsentEventEntity, from, { subjectId: pseudonym, ip: null, userAgent: null });
      events = moved.affected ?? 0;
      await em.update(ConsentCheckpointEntity, from, { subjectId: pseudonym });
      if (subject.type === 'user') await em.update(ConsentRecordEntity, { linkedUserId: subject.id }, { linkedUserId: null });
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
