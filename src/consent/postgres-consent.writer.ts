import { randomUUID } from 'node:crypto';
import type { DataSource, EntityTarget } from 'typeorm';
import { Clock } from '../common/clock.js';
import { transactionStatementsOf } from '../database/shared-connection.js';
import { ConsentAuditService } from './consent-audit.service.js';
import { ConsentEventCategoryEntity } from './consent-event-category.entity.js';
import { ConsentEventCategoryIndexer } from './consent-event-category.indexer.js';
import { ConsentEventEntity } from './consent-event.entity.js';
import { CONSENT_FORMAT } from './consent-format.js';
import { GroupCommit } from '../common/group-commit.js';
import { ConsentHeadCache, type ChainState } from './consent-head.cache.js';
import { ConsentHeadEntity } from './consent-head.entity.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import type { ConsentPolicy } from './consent.policy.js';
import { ConsentPostgresStatements, type DecisionRow, type PreparedStatement } from './consent-postgres.statements.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import type { ConsentSnapshot, ConsentSubject } from './consent-subject.js';
import { resolveWrite, type ConsentWriteRequest } from './consent-write-plan.js';
import { ConsentWriter } from './consent.writer.js';

/** The part of node-postgres' Pool and PoolClient the writer uses. */
interface Queryable {
  query(query: string | (PreparedStatement & { values: unknown[] })): Promise<{ rows: Array<Record<string, unknown>> }>;
}
interface PgPool extends Queryable {
  connect(): Promise<Queryable & { release(destroy?: boolean): void }>;
}

/** Chain states kept per process: well under 1 kB each, so a few MB at most. */
const CACHE_SUBJECTS = 10_000;

/**
 * Group commit: one decision statement in flight at a time, carrying every decision (up to 64) that arrived
 * while the previous one ran. Fewer, larger statements cost PostgreSQL and the driver less per decision; with
 * 2 or 3 in flight the bench wrote 10-25 % fewer decisions/s on 2 cores. Reads and the locked retry use the
 * rest of the pool.
 */
const STATEMENTS_IN_FLIGHT = 1;
const DECISIONS_PER_STATEMENT = 64;

/** A lost compare-and-set: another process (or an out-of-band change) moved the head. */
const MOVED = Symbol('moved');

/** The state of a subject that has never been written. */
const NO_CHAIN: ChainState = { seq: 0, hash: null, snapshot: null };

type Attempt = { snapshot: ConsentSnapshot | null; next?: ChainState } | typeof MOVED;

/**
 * The PostgreSQL writer: raw SQL on the data source's own pool, one round trip per decision in the common
 * case, shared with the other subjects' decisions that arrived while the last statements ran (group commit).
 * Writes of one subject queue in this process; the head this process last saw (cache) is the one the
 * statement expects. When it is not (cold cache, another instance wrote), the write reads the head and
 * tries once more, and after a second loss takes the head row lock in a short transaction.
 */
export class PostgresConsentWriter extends ConsentWriter {
  private readonly pool: PgPool;
  /** The longest a write may take, waits included (0: no limit, a data source without statement limits). */
  private readonly deadlineMs: number;
  private readonly sql: ConsentPostgresStatements;
  private readonly cache = new ConsentHeadCache(CACHE_SUBJECTS);
  private readonly mutex = new KeyedMutex();
  private readonly group = new GroupCommit<DecisionRow, boolean>(
    (rows) => this.writeRows(this.pool, rows),
    STATEMENTS_IN_FLIGHT,
    DECISIONS_PER_STATEMENT,
    isStatementRefused,
  );

  constructor(
    private readonly ds: DataSource,
    private readonly audit: ConsentAuditService,
    private readonly policy: ConsentPolicy,
    private readonly clock: Clock,
  ) {
    super();
    this.pool = (ds.driver as unknown as { master: PgPool }).master;
    // The client-side statement limit of the pool's connections (database.statementTimeout plus a margin).
    this.deadlineMs = Number((ds.options as { extra?: { query_timeout?: unknown } }).extra?.query_timeout) || 0;
    const table = (entity: EntityTarget<object>) =>
      ds
        .getMetadata(entity)
        .tablePath.split('.')
        .map((part) => ds.driver.escape(part))
        .join('.');
    this.sql = new ConsentPostgresStatements({
      heads: table(ConsentHeadEntity),
      events: table(ConsentEventEntity),
      categories: table(ConsentEventCategoryEntity),
      records: table(ConsentRecordEntity),
    });
  }

  write(request: ConsentWriteRequest): Promise<ConsentSnapshot | null> {
    const key = `${request.subject.type}:${request.subject.id}`;
    if (this.deadlineMs <= 0) return this.mutex.run(key, () => this.writeNow(key, request));
    // One decision may take several statements (a cold head, a lost compare-and-set) and wait for an in-flight
    // group: from its turn on its subject, the write answers within one statement limit. Past it the caller
    // gets a 503 while the statements already sent finish or time out by themselves (the subject's next write
    // waits for that); their outcome is unknown, so the head is read again next time.
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      this.mutex
        .run(key, () => {
          timer = setTimeout(() => {
            this.cache.delete(key);
            reject(
              Object.assign(new Error(`The consent write did not finish within ${this.deadlineMs} ms.`), {
                code: 'ETIMEDOUT',
              }),
            );
          }, this.deadlineMs);
          return this.writeNow(key, request);
        })
        .then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
    });
  }

  private async writeNow(key: string, request: ConsentWriteRequest): Promise<ConsentSnapshot | null> {
    try {
      // A subject ID minted for this write has no chain yet; anything else starts from what this process last saw.
      const expected = request.fresh ? NO_CHAIN : this.cache.get(key);
      let result = expected ? await this.attempt(null, request, expected, true) : MOVED;
      if (result === MOVED)
        result = await this.attempt(null, request, await this.read(this.pool, this.sql.read, request.subject), false);
      if (result === MOVED) result = await this.writeLocked(request);
      if (result === MOVED) throw new Error('The consent chain head moved while its row was locked.');
      if (result.next) this.cache.set(key, result.next);
      return result.snapshot;
    } catch (err) {
      // The outcome is unknown (the statement may have committed): read the head again next time.
      this.cache.delete(key);
      throw err;
    }
  }

  forget(subject: ConsentSubject): void {
    this.cache.delete(`${subject.type}:${subject.id}`);
  }

  private async writeLocked(request: ConsentWriteRequest): Promise<Attempt> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await this.query(client, 'BEGIN');
      // On a DataSource the app shares: the module's statement limit for this transaction only (SET LOCAL).
      for (const statement of transactionStatementsOf(this.ds)) await this.query(client, statement);
      await this.query(client, this.sql.ensureHead, [
        request.subject.type,
        request.subject.id,
        new Date(this.clock.now()).toISOString(),
      ]);
      const state = await this.read(client, this.sql.readLocked, request.subject);
      const result = await this.attempt(client, request, state, false);
      await this.query(client, 'COMMIT');
      return result;
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      // A connection that failed mid-transaction is discarded, which also rolls the transaction back.
      client.release(broken);
    }
  }

  /**
   * Plans against `state` and writes with one statement that expects the head at `state`: in a group commit,
   * or alone on `locked` (a connection holding the head's row lock). A plan of nothing on an assumed (not
   * read) state is checked against the database first.
   */
  private async attempt(
    locked: Queryable | null,
    { subject, context, plan, linkVisitorId }: ConsentWriteRequest,
    state: ChainState,
    assumed: boolean,
  ): Promise<Attempt> {
    const now = this.clock.now();
    const p = plan(state.snapshot, now);
    if (!p) return assumed ? MOVED : { snapshot: state.snapshot };
    const w = resolveWrite(this.policy, subject, state.snapshot, p, now);
    const at = new Date(now);
    const seq = state.seq + 1;
    const locale = context.locale ?? null;
    const hash = this.audit.hashEvent(
      {
        seq,
        action: w.event.action,
        decisionsBefore: w.event.before,
        decisionsAfter: w.event.after,
        policyVersion: w.event.policyVersion,
        policyHash: w.event.policyHash,
        source: w.event.source,
        locale,
        createdAt: at,
        prevHash: state.hash,
        format: CONSENT_FORMAT,
        detail: w.event.detail,
      },
      this.audit.subjectPseudonym(subject),
    );
    const row: DecisionRow = {
      subjectType: subject.type,
      subjectId: subject.id,
      seq,
      hash,
      prevHash: state.hash,
      at: at.toISOString(),
      action: w.event.action,
      before: w.event.before ? JSON.stringify(w.event.before) : null,
      after: JSON.stringify(w.event.after),
      policyVersion: w.event.policyVersion,
      policyHash: w.event.policyHash,
      source: w.event.source,
      locale,
      detail: w.event.detail ? JSON.stringify(w.event.detail) : null,
      ip: context.ip ?? null,
      userAgent: context.userAgent?.slice(0, 512) ?? null,
      record: w.record
        ? {
            id: randomUUID(),
            gpc: w.record.gpc,
            ruleSet: w.record.ruleSet,
            textHash: w.record.textHash,
            decidedAt: new Date(w.record.decidedAt).toISOString(),
            expiresAt: new Date(w.record.expiresAt).toISOString(),
          }
        : null,
      linkVisitorId: linkVisitorId ?? null,
      categories: ConsentEventCategoryIndexer.changesOf(w.event.before, w.event.after),
    };
    const written = locked
      ? (await this.writeRows(locked, [row]))[0]
      : // The rows a statement writes must be distinct: the subject's, and the visitor's record a link updates.
        await this.group.submit(
          row,
          linkVisitorId === undefined
            ? [`${subject.type}:${subject.id}`]
            : [`${subject.type}:${subject.id}`, `visitor:${linkVisitorId}`],
        );
    if (!written) return MOVED;
    return { snapshot: w.snapshot, next: { seq, hash, snapshot: w.snapshot } };
  }

  /** Writes the rows in one statement; answers, for each, whether its head moved (it was written). */
  private async writeRows(db: Queryable, rows: DecisionRow[]): Promise<boolean[]> {
    const written = new Set(
      (await this.query(db, this.sql.decisions, ConsentPostgresStatements.values(rows))).map((r) => r.n as number),
    );
    return rows.map((_, i) => written.has(i + 1));
  }

  private async read(db: Queryable, statement: PreparedStatement, subject: ConsentSubject): Promise<ChainState> {
    const rows = await this.query(db, statement, [subject.type, subject.id]);
    const row = rows[0] as
      | {
          seq: number | null;
          hash: string | null;
          policy_version: string | null;
          decisions: string;
          decided_at: Date;
          expires_at: Date;
          source: string;
          gpc: boolean | null;
          rule_set: string | null;
          text_hash: string | null;
        }
      | undefined;
    if (!row) throw new Error('The consent chain head row is missing under its lock.');
    const snapshot: ConsentSnapshot | null =
      row.policy_version === null
        ? null
        : {
            v: row.policy_version,
            d: JSON.parse(row.decisions) as ConsentSnapshot['d'],
            at: row.decided_at.getTime(),
            exp: row.expires_at.getTime(),
            gpc: row.source === 'gpc',
            ...(row.gpc ? { sig: true } : {}),
            ...(row.rule_set === 'opt-out' ? { oo: true } : {}),
            ...(row.text_hash ? { th: row.text_hash } : {}),
            sub: `${subject.type}:${subject.id}`,
          };
    return { seq: row.seq ?? 0, hash: row.hash ?? null, snapshot };
  }

  /** Runs a statement, shown to the data source's logger like TypeORM's own (`database.logging`). */
  private async query(
    db: Queryable,
    statement: PreparedStatement | string,
    values: unknown[] = [],
  ): Promise<Array<Record<string, unknown>>> {
    const text = typeof statement === 'string' ? statement : statement.text;
    this.ds.logger.logQuery(text, values);
    const { rows } = await db.query(typeof statement === 'string' ? statement : { ...statement, values });
    return rows;
  }
}

/**
 * PostgreSQL refused the statement itself (class 22 data, 23 integrity, 40 rollback such as a deadlock with
 * another instance's group): it wrote nothing, so its decisions can be tried one by one.
 */
function isStatementRefused(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|40)[0-9A-Z]{3}$/.test(code);
}
