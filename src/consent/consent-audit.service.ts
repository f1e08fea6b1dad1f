import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, LessThan, MoreThan, type EntityManager } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { Clock } from '../common/clock.js';
import { canonicalJson, hmacHex } from './consent-canonical.js';
import { ConsentCheckpointEntity } from './consent-checkpoint.entity.js';
import { ConsentEventEntity } from './consent-event.entity.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import { ConsentHeadEntity } from './consent-head.entity.js';
import { CONSENT_KEYS, type ConsentKeys } from './consent-keys.provider.js';
import { KeyedMutex } from './consent-mutex.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import type { ConsentAction, ConsentDecisions, ConsentEventContext, ConsentSource, ConsentSubject } from './consent-subject.js';

/** One event to append to a subject's chain. */
export interface ConsentEventInput {
  action: ConsentAction;
  source: ConsentSource;
  before: ConsentDecisions | null;
  after: ConsentDecisions;
  policyVersion: string;
  policyHash: string;
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
}

/** Result of a head checkpoint: store `digest` outside the database (a log, a ticket) to detect later rollbacks. */
export interface ConsentCheckpointReport {
  subjects: number;
  digest: string;
  at: string;
}

type SubjectKey = { subjectType: string; subjectId: string };

/**
 * The append-only audit history. Each event's `hash` is an HMAC (server key) over its canonical form and
 * `prev_hash`; the subject ID, IP and user agent are outside the hashed material so erasure pseudonymises
 * them without breaking the chain. Writes for one subject are serialised on its `consent_heads` row: locked
 * here (retention, erasure, the TypeORM writer), or moved by compare-and-set in the PostgreSQL writer.
 */
@Injectable()
export class ConsentAuditService {
  private readonly mutex = new KeyedMutex();
  private readonly sqlite: boolean;

  constructor(
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
    @Inject(CONSENT_KEYS) private readonly keys: ConsentKeys,
    private readonly clock: Clock,
    private readonly categoryIndex: ConsentEventCategoryIndexer,
  ) {
    this.sqlite = ds.options.type === 'better-sqlite3';
  }

  /** The event hash: HMAC over the canonical event without personal data, chained by prev_hash. */
  hashEvent(e: Pick<ConsentEventEntity, 'seq' | 'action' | 'decisionsBefore' | 'decisionsAfter' | 'policyVersion' | 'policyHash' | 'source' | 'locale' | 'createdAt' | 'prevHash'>): string {
    return hmacHex(
      this.keys.audit,
      canonicalJson({
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
      }),
    );
  }

  private checkpointMac(c: Pick<ConsentCheckpointEntity, 'kind' | 'seq' | 'hash' | 'events' | 'createdAt'>): string {
    return hmacHex(this.keys.audit, canonicalJson({ kind: c.kind, seq: c.seq, hash: c.hash ?? null, events: c.events, at: new Date(c.createdAt).getTime() }));
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
              ip: input.context?.ip ?? null,
              userAgent: input.context?.userAgent?.slice(0, 512) ?? null,
              createdAt: now,
              prevHash: head.hash,
            });
            event.hash = this.hashEvent(event);
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

  private async subjects(subject?: ConsentSubject): Promise<SubjectKey[]> {
    if (subject) return [{ subjectType: subject.type, subjectId: subject.id }];
    const fromHeads = await this.ds.getRepository(ConsentHeadEntity).find({ select: { subjectType: true, subjectId: true } });
    // Events without a head (a deleted head row) must be checked too.
    const fromEvents = await this.ds
      .getRepository(ConsentEventEntity)
      .createQueryBuilder('e')
      .select('e.subject_type', 'subjectType')
      .addSelect('e.subject_id', 'subjectId')
      .distinct(true)
      .getRawMany<SubjectKey>();
    const all = new Map<string, SubjectKey>();
    for (const s of [...fromHeads, ...fromEvents]) all.set(`${s.subjectType}\u0000${s.subjectId}`, { subjectType: s.subjectType, subjectId: s.subjectId });
    return [...all.values()];
  }

  /**
   * Recomputes every chain (or one subject's) and reports the first broken seq: an edited event (hash), a
   * removed or reordered one (seq/prev_hash), and a truncated tail (the head row or the latest signed head
   * checkpoint is ahead of the last event).
   */
  async verify(subject?: ConsentSubject): Promise<ConsentVerifyReport> {
    const report: ConsentVerifyReport = { ok: true, subjects: 0, checked: 0, broken: 0 };
    for (const s of await this.subjects(subject)) {
      report.subjects++;
      const failure = await this.verifyOne(s, report);
      if (failure) {
        report.broken++;
        if (report.ok) Object.assign(report, { ok: false, brokenAt: failure.seq, subjectType: s.subjectType, subjectId: s.subjectId, reason: failure.reason });
      }
    }
    return report;
  }

  private async verifyOne(s: SubjectKey, report: ConsentVerifyReport): Promise<{ seq: number; reason: string } | undefined> {
    const checkpoints = this.ds.getRepository(ConsentCheckpointEntity);
    const fold = await checkpoints.findOne({ where: { ...s, kind: 'fold' }, order: { seq: 'DESC' } });
    if (fold && fold.mac !== this.checkpointMac(fold)) return { seq: fold.seq, reason: 'retention checkpoint signature does not match' };
    const events = await this.ds.getRepository(ConsentEventEntity).find({ where: s, order: { seq: 'ASC' } });
    let expected = fold ? fold.seq + 1 : 1;
    let prev: string | null = fold ? fold.hash : null;
    for (const e of events) {
      if (e.seq < expected) continue; // already folded by retention (a fold that crashed before deleting)
      if (e.seq !== expected) return { seq: expected, reason: `event ${expected} is missing` };
      if ((e.prevHash ?? null) !== prev) return { seq: e.seq, reason: 'prev_hash does not match the previous event' };
      report.checked++;
      if (this.hashEvent(e) !== e.hash) return { seq: e.seq, reason: 'hash does not match the event (edited)' };
      prev = e.hash;
      expected++;
    }
    const last = expected - 1;
    const head = await this.ds.getRepository(ConsentHeadEntity).findOne({ where: s });
    if (!head) return { seq: last + 1, reason: 'chain head is missing' };
    if (head.seq > last) return { seq: last + 1, reason: `tail truncated: the head is at seq ${head.seq}` };
    if (head.seq < last || (head.hash ?? null) !== prev) return { seq: head.seq + 1, reason: 'chain head does not match the last event' };
    const signedHead = await checkpoints.findOne({ where: { ...s, kind: 'head' }, order: { seq: 'DESC' } });
    if (signedHead) {
      if (signedHead.mac !== this.checkpointMac(signedHead)) return { seq: signedHead.seq, reason: 'head checkpoint signature does not match' };
      if (signedHead.seq > last) return { seq: last + 1, reason: `tail truncated: a signed checkpoint saw seq ${signedHead.seq}` };
      const at = events.find((e) => e.seq === signedHead.seq);
      if (at && at.hash !== signedHead.hash) return { seq: signedHead.seq, reason: 'event differs from the signed head checkpoint' };
    }
    return undefined;
  }

  /**
   * Signs each chain's current head (run it periodically, e.g. daily from cron via the CLI). verify() then
   * flags a chain whose tail was cut below a signed head; the returned digest, kept outside the database,
   * also exposes a rollback of the checkpoints themselves.
   */
  async checkpointHeads(): Promise<ConsentCheckpointReport> {
    const now = new Date(this.clock.now());
    const heads = await this.ds.getRepository(ConsentHeadEntity).find({ where: { seq: MoreThan(0) }, order: { subjectType: 'ASC', subjectId: 'ASC' } });
    const digest = createHash('sha256');
    for (const h of heads) {
      const cp = { subjectType: h.subjectType, subjectId: h.subjectId, kind: 'head' as const, seq: h.seq, hash: h.hash, events: 0, createdAt: now };
      await this.ds.getRepository(ConsentCheckpointEntity).insert({ ...cp, mac: this.checkpointMac(cp) });
      digest.update(`${h.seq}:${h.hash}\n`);
    }
    return { subjects: heads.length, digest: digest.digest('hex'), at: now.toISOString() };
  }

  /**
   * Folds every event created before `cutoff` into one signed `fold` checkpoint per subject and deletes
   * them: the remaining chain verifies from the checkpoint's hash. Returns the number of events folded.
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
        const old = await em.find(ConsentEventEntity, { where: { ...s, createdAt: LessThan(cutoff) }, order: { seq: 'ASC' } });
        if (old.length === 0) return 0;
        const last = old[old.length - 1];
        const previous = await em.findOne(ConsentCheckpointEntity, { where: { ...s, kind: 'fold' }, order: { seq: 'DESC' } });
        const cp = { ...s, kind: 'fold' as const, seq: last.seq, hash: last.hash, events: (previous?.events ?? 0) + old.length, createdAt: now };
        await em.insert(ConsentCheckpointEntity, { ...cp, mac: this.checkpointMac(cp) });
        // The new fold supersedes the previous one (it starts the chain further on).
        if (previous) await em.delete(ConsentCheckpointEntity, { id: previous.id });
        await this.categoryIndex.forget(em, old);
        await em.delete(ConsentEventEntity, { ...s, seq: LessThan(last.seq + 1) });
        return old.length;
      });
    }
    return { subjects: rows.length, events };
  }

  /** The pseudonym an erased subject's rows carry: stable (erasing twice is a no-op) and not reversible without the key. */
  pseudonymOf(subject: ConsentSubject): string {
    return `erased-${hmacHex(this.keys.audit, `erase:${subject.type}:${subject.id}`).slice(0, 40)}`;
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
      // The erase event continues the same chain, now under the pseudonym.
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
      });
      event.hash = this.hashEvent(event);
      await em.insert(ConsentEventEntity, event);
      await this.categoryIndex.index(em, [event]);
      await em.update(ConsentHeadEntity, to, { seq: event.seq, hash: event.hash, updatedAt: now });
      events++;
    });
    return { pseudonym, events };
  }
}
