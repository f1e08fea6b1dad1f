import { createHash } from 'node:crypto';
import { CONSENT_FORMAT } from './consent-format.js';

/** A statement prepared once per connection (node-postgres parses a named statement only on first use). */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** Names derive from the text, so two texts never share a name on one connection. */
function prepared(text: string): PreparedStatement {
  return { name: `consent_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text };
}

/** Quoted, prefixed (and schema-qualified) names of the tables a consent write touches. */
export interface ConsentTables {
  heads: string;
  events: string;
  categories: string;
  records: string;
}

/** One decision as the statement writes it: the event, the record unless kept, the link if any. */
export interface DecisionRow {
  subjectType: string;
  subjectId: string;
  /** The event's seq: 1 starts a chain (or takes over a head left at seq 0), n > 1 moves the head from n - 1. */
  seq: number;
  /** The event hash in format {@link CONSENT_FORMAT} (the statement writes that format). */
  hash: string;
  prevHash: string | null;
  /** ISO timestamps: exact to the millisecond, and cheaper for the driver than Date objects. */
  at: string;
  action: string;
  before: string | null;
  after: string;
  policyVersion: string;
  policyHash: string;
  source: string;
  locale: string | null;
  /** The event's optional fields as JSON, or null. */
  detail: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The record to upsert (its decisions are `after`); null: a link that keeps the user's own decision. */
  record: {
    id: string;
    gpc: boolean;
    ruleSet: string | null;
    textHash: string | null;
    decidedAt: string;
    expiresAt: string;
  } | null;
  /** A login link: the visitor whose record becomes linked to this (user) subject. */
  linkVisitorId: string | null;
  categories: Array<{ category: string; grantedBefore: boolean | null; grantedAfter: boolean | null }>;
}

/**
 * The SQL of the PostgreSQL consent writer. Decisions are written by ONE statement for any number of
 * subjects: data-modifying CTEs that move each chain head only if it is still where the writer expects it
 * (compare-and-set on seq and hash), and insert the event, its category rows and the record only for the
 * heads that moved. A statement is atomic by itself, so there is no transaction to open or commit; a
 * decision missing from the answer lost its compare-and-set to another writer.
 *
 * Parameters are arrays with one element per decision, in {@link DecisionRow} order ($1-$20, then $21 the
 * event's detail, $22 the record's rule set, $23 its text hash), then the category rows flattened: $24 the
 * decision's 1-based position, $25 category, $26-$27 granted before/after.
 */
export class ConsentPostgresStatements {
  /** The subject's head and record, without locking (a cold cache or a lost compare-and-set). */
  readonly read: PreparedStatement;
  /** Inside a transaction: makes sure a head row exists so there is a row to lock. */
  readonly ensureHead: PreparedStatement;
  /** Inside a transaction: the subject's head (locked until commit) and record. */
  readonly readLocked: PreparedStatement;
  /** Writes decisions of distinct subjects; answers a row `{ n }` for each one written (1-based position). */
  readonly decisions: PreparedStatement;

  constructor(t: ConsentTables) {
    const columns =
      'h.seq, h.hash, r.policy_version, r.decisions, r.decided_at, r.expires_at, r.source, r.gpc, r.rule_set, r.text_hash';
    this.read = prepared(
      `SELECT ${columns} FROM (SELECT $1::varchar AS subject_type, $2::varchar AS subject_id) s ` +
        `LEFT JOIN ${t.heads} h ON h.subject_type = s.subject_type AND h.subject_id = s.subject_id ` +
        `LEFT JOIN ${t.records} r ON r.subject_type = s.subject_type AND r.subject_id = s.subject_id`,
    );
    this.ensureHead = prepared(
      `INSERT INTO ${t.heads} (subject_type, subject_id, seq, hash, updated_at) VALUES ($1::varchar, $2::varchar, 0, NULL, $3::timestamptz) ` +
        'ON CONFLICT (subject_type, subject_id) DO NOTHING',
    );
    this.readLocked = prepared(
      `SELECT ${columns} FROM ${t.heads} h ` +
        `LEFT JOIN ${t.records} r ON r.subject_type = h.subject_type AND r.subject_id = h.subject_id ` +
        'WHERE h.subject_type = $1::varchar AND h.subject_id = $2::varchar FOR UPDATE OF h',
    );
    this.decisions = prepared(decisionsStatement(t));
  }

  /** The parameters of {@link decisions} for these rows. */
  static values(rows: readonly DecisionRow[]): unknown[] {
    const column = <K extends keyof DecisionRow>(k: K) => rows.map((r) => r[k]);
    const record = <K extends keyof NonNullable<DecisionRow['record']>>(k: K) =>
      rows.map((r) => (r.record ? r.record[k] : null));
    const position: number[] = [];
    const category: string[] = [];
    const before: Array<boolean | null> = [];
    const after: Array<boolean | null> = [];
    rows.forEach((r, i) => {
      for (const c of r.categories) {
        position.push(i + 1);
        category.push(c.category);
        before.push(c.grantedBefore);
        after.push(c.grantedAfter);
      }
    });
    return [
      column('subjectType'),
      column('subjectId'),
      column('seq'),
      column('hash'),
      column('prevHash'),
      column('at'),
      column('action'),
      column('before'),
      column('after'),
      column('policyVersion'),
      column('policyHash'),
      column('source'),
      column('locale'),
      column('ip'),
      column('userAgent'),
      record('id'),
      record('gpc'),
      record('decidedAt'),
      record('expiresAt'),
      column('linkVisitorId'),
      column('detail'),
      record('ruleSet'),
      record('textHash'),
      position,
      category,
      before,
      after,
    ];
  }
}

function decisionsStatement(t: ConsentTables): string {
  const input =
    'i AS (SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::varchar[], $5::varchar[], $6::timestamptz[], $7::varchar[], $8::text[], ' +
    '$9::text[], $10::varchar[], $11::varchar[], $12::varchar[], $13::varchar[], $14::varchar[], $15::varchar[], ' +
    '$16::varchar[], $17::boolean[], $18::timestamptz[], $19::timestamptz[], $20::varchar[], $21::text[], $22::varchar[], $23::varchar[]) WITH ORDINALITY AS i(' +
    'subject_type, subject_id, seq, hash, prev_hash, at, action, before, after, policy_version, policy_hash, source, locale, ip, user_agent, ' +
    'record_id, gpc, decided_at, expires_at, visitor, detail, rule_set, text_hash, n))';
  const moved =
    `moved AS (UPDATE ${t.heads} AS x SET seq = i.seq, hash = i.hash, updated_at = i.at FROM i ` +
    'WHERE i.seq > 1 AND x.subject_type = i.subject_type AND x.subject_id = i.subject_id AND x.seq = i.seq - 1 AND x.hash = i.prev_hash RETURNING i.n)';
  // Takes over a head row left at seq 0 (an earlier write that planned nothing), never a moved one.
  const started =
    `started AS (INSERT INTO ${t.heads} AS x (subject_type, subject_id, seq, hash, updated_at) ` +
    'SELECT subject_type, subject_id, seq, hash, at FROM i WHERE i.seq = 1 AND i.prev_hash IS NULL ' +
    'ON CONFLICT (subject_type, subject_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at ' +
    'WHERE x.seq = 0 RETURNING x.subject_type, x.subject_id)';
  // The decisions whose head moved: only these are written.
  const written =
    'w AS (SELECT i.* FROM i WHERE i.n IN (SELECT n FROM moved) ' +
    'OR (i.seq = 1 AND EXISTS (SELECT 1 FROM started s WHERE s.subject_type = i.subject_type AND s.subject_id = i.subject_id)))';
  // Every event this version writes is in the current format (the writer hashed it so).
  const events =
    `e AS (INSERT INTO ${t.events} (subject_type, subject_id, seq, action, decisions_before, decisions_after, policy_version, policy_hash, source, locale, ip, user_agent, created_at, prev_hash, hash, format, detail) ` +
    `SELECT subject_type, subject_id, seq, action, before, after, policy_version, policy_hash, source, locale, ip, user_agent, at, prev_hash, hash, ${CONSENT_FORMAT}, detail FROM w ` +
    'RETURNING id, subject_type, subject_id)';
  const categories =
    `c AS (INSERT INTO ${t.categories} (event_id, category, action, created_at, granted_before, granted_after) ` +
    'SELECT e.id, u.category, w.action, w.at, u.granted_before, u.granted_after ' +
    'FROM unnest($24::int[], $25::varchar[], $26::boolean[], $27::boolean[]) AS u(n, category, granted_before, granted_after) ' +
    'JOIN w ON w.n = u.n JOIN e ON e.subject_type = w.subject_type AND e.subject_id = w.subject_id)';
  const records =
    `r AS (INSERT INTO ${t.records} AS x (id, subject_type, subject_id, policy_version, policy_hash, decisions, source, gpc, rule_set, text_hash, decided_at, expires_at, linked_user_id, version) ` +
    'SELECT record_id, subject_type, subject_id, policy_version, policy_hash, after, source, gpc, rule_set, text_hash, decided_at, expires_at, NULL, 1 FROM w WHERE record_id IS NOT NULL ' +
    'ON CONFLICT (subject_type, subject_id) DO UPDATE SET policy_version = EXCLUDED.policy_version, policy_hash = EXCLUDED.policy_hash, ' +
    'decisions = EXCLUDED.decisions, source = EXCLUDED.source, gpc = EXCLUDED.gpc, rule_set = EXCLUDED.rule_set, text_hash = EXCLUDED.text_hash, decided_at = EXCLUDED.decided_at, expires_at = EXCLUDED.expires_at, version = x.version + 1)';
  const links =
    `l AS (UPDATE ${t.records} AS x SET linked_user_id = w.subject_id, version = x.version + 1 FROM w ` +
    "WHERE w.visitor IS NOT NULL AND x.subject_type = 'visitor' AND x.subject_id = w.visitor)";
  // Every data-modifying CTE runs to completion whether or not the final SELECT reads it.
  return `WITH ${[input, moved, started, written, events, categories, records, links].join(', ')} SELECT n::int AS n FROM w`;
}
