import { createHash } from 'node:crypto';

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

/** Which parts a decision statement has. */
export interface DecisionShape {
  /** The chain has no event yet: create (or take over a seq-0) head row instead of moving it. */
  first: boolean;
  /** Upsert the subject's record (false: a link that keeps the user's own decision). */
  record: boolean;
  /** Mark a visitor's record as linked to the user. */
  link: boolean;
}

/**
 * The SQL of the PostgreSQL consent writer. A decision is ONE statement: data-modifying CTEs that move the
 * chain head only if it is still where the writer expects it (compare-and-set on seq and hash), and insert
 * the event, its category rows and the record only when the head moved. A statement is atomic by itself,
 * so there is no transaction to open or commit; 0 rows written means another writer got there first.
 *
 * Parameters: $1 subject_type, $2 subject_id, $3 new seq, $4 new hash, $5 previous hash, $6 now,
 * $7 action, $8 decisions before, $9 decisions after, $10 policy version, $11 policy hash, $12 source,
 * $13 locale, $14 ip, $15 user agent, $16-$18 categories with their decisions before and after; then with
 * `record`: record id, gpc, decided_at, expires_at; then with `link`: the visitor ID.
 */
export class ConsentPostgresStatements {
  private readonly decisions = new Map<string, PreparedStatement>();

  /** The subject's head and record, without locking (a cold cache or a lost compare-and-set). */
  readonly read: PreparedStatement;
  /** Inside a transaction: makes sure a head row exists so there is a row to lock. */
  readonly ensureHead: PreparedStatement;
  /** Inside a transaction: the subject's head (locked until commit) and record. */
  readonly readLocked: PreparedStatement;

  constructor(private readonly t: ConsentTables) {
    const columns = 'h.seq, h.hash, r.policy_version, r.decisions, r.decided_at, r.expires_at, r.source';
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
  }

  /** The one statement that writes a decision; answers one row `{ written }` (1 or 0). */
  decision(shape: DecisionShape): PreparedStatement {
    const key = `${+shape.first}${+shape.record}${+shape.link}`;
    let statement = this.decisions.get(key);
    if (!statement) {
      statement = prepared(this.build(shape));
      this.decisions.set(key, statement);
    }
    return statement;
  }

  private build({ first, record, link }: DecisionShape): string {
    const t = this.t;
    const ctes: string[] = [];
    ctes.push(
      first
        ? // Takes over a head row left at seq 0 (an earlier write that planned nothing), never a moved one.
          `h AS (INSERT INTO ${t.heads} AS x (subject_type, subject_id, seq, hash, updated_at) ` +
            'VALUES ($1::varchar, $2::varchar, $3::int, $4::varchar, $6::timestamptz) ' +
            'ON CONFLICT (subject_type, subject_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at ' +
            'WHERE x.seq = 0 AND $5::varchar IS NULL RETURNING 1)'
        : `h AS (UPDATE ${t.heads} SET seq = $3::int, hash = $4::varchar, updated_at = $6::timestamptz ` +
            'WHERE subject_type = $1::varchar AND subject_id = $2::varchar AND seq = $3::int - 1 AND hash = $5::varchar RETURNING 1)',
    );
    ctes.push(
      `e AS (INSERT INTO ${t.events} (subject_type, subject_id, seq, action, decisions_before, decisions_after, policy_version, policy_hash, source, locale, ip, user_agent, created_at, prev_hash, hash) ` +
        'SELECT $1::varchar, $2::varchar, $3::int, $7::varchar, $8::text, $9::text, $10::varchar, $11::varchar, $12::varchar, $13::varchar, $14::varchar, $15::varchar, $6::timestamptz, $5::varchar, $4::varchar FROM h RETURNING id)',
    );
    ctes.push(
      `c AS (INSERT INTO ${t.categories} (event_id, category, action, created_at, granted_before, granted_after) ` +
        'SELECT e.id, u.category, $7::varchar, $6::timestamptz, u.granted_before, u.granted_after ' +
        'FROM e CROSS JOIN unnest($16::varchar[], $17::boolean[], $18::boolean[]) AS u(category, granted_before, granted_after))',
    );
    let n = 18;
    if (record) {
      const [id, gpc, decidedAt, expiresAt] = [++n, ++n, ++n, ++n];
      ctes.push(
        `r AS (INSERT INTO ${t.records} AS x (id, subject_type, subject_id, policy_version, policy_hash, decisions, source, gpc, decided_at, expires_at, linked_user_id, version) ` +
          `SELECT $${id}::varchar, $1::varchar, $2::varchar, $10::varchar, $11::varchar, $9::text, $12::varchar, $${gpc}::boolean, $${decidedAt}::timestamptz, $${expiresAt}::timestamptz, NULL, 1 FROM h ` +
          'ON CONFLICT (subject_type, subject_id) DO UPDATE SET policy_version = EXCLUDED.policy_version, policy_hash = EXCLUDED.policy_hash, ' +
          'decisions = EXCLUDED.decisions, source = EXCLUDED.source, gpc = EXCLUDED.gpc, decided_at = EXCLUDED.decided_at, expires_at = EXCLUDED.expires_at, version = x.version + 1)',
      );
    }
    if (link) {
      const visitor = n + 1;
      ctes.push(
        `l AS (UPDATE ${t.records} SET linked_user_id = $2::varchar, version = version + 1 ` +
          `WHERE subject_type = 'visitor' AND subject_id = $${visitor}::varchar AND EXISTS (SELECT 1 FROM h))`,
      );
    }
    // Every data-modifying CTE runs to completion whether or not the final SELECT reads it.
    return `WITH ${ctes.join(', ')} SELECT count(*)::int AS written FROM h`;
  }
}
