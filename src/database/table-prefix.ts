import type { DataSource, QueryRunner, Table } from 'typeorm';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';

/**
 * The prefix of the module's tables and of its migrations table when `database.tablePrefix` is not set: the
 * module's `users` or `migrations` never meet an app's tables of the same name.
 */
export const DEFAULT_TABLE_PREFIX = 'auth_consent_';

/** Each table of the module (without prefix) and the migration that creates it. */
const CREATED_BY: Readonly<Record<string, string>> = {
  users: 'InitialSchema1763700000000',
  consent_records: 'InitialSchema1763700000000',
  consent_events: 'InitialSchema1763700000000',
  consent_heads: 'ConsentAudit1763710000000',
  consent_checkpoints: 'ConsentAudit1763710000000',
  consent_event_categories: 'AdminIndexes1763730000000',
  admin_audit: 'AdminIndexes1763730000000',
};

/** Columns a later migration adds: a table an earlier version made lacks them until the migrations have run. */
const ADDED_LATER: Readonly<Record<string, readonly string[]>> = {
  users: ['last_login_at'],
  consent_events: ['format'],
  consent_checkpoints: ['format'],
};

/** The module's table names without prefix. */
export const MODULE_TABLES: readonly string[] = Object.keys(CREATED_BY);

/** The tables among `names` that exist, by name (one catalogue read; never every table of the database). */
async function existingTables(qr: QueryRunner, names: string[]): Promise<Map<string, Table>> {
  const tables = await qr.getTables(names);
  return new Map(tables.map((t) => [t.name.split('.').pop()!, t]));
}

/** A table TypeORM could keep migrations in (`id`, `timestamp`, `name`), not another tool's `migrations`. */
function isMigrationsTable(table: Table): boolean {
  const columns = new Set(table.columns.map((c) => c.name));
  return columns.has('timestamp') && columns.has('name');
}

/** The module's migrations recorded in a migrations table (empty when it has none of them, or is no TypeORM one). */
async function recordedMigrations(
  qr: QueryRunner,
  table: Table | undefined,
  migrationsTable: string,
): Promise<Set<string>> {
  if (!table || !isMigrationsTable(table)) return new Set();
  const names = [...new Set(Object.values(CREATED_BY))].map((n) => `'${n}'`).join(', ');
  const escape = (name: string) => qr.connection.driver.escape(name);
  const rows = (await qr.query(
    `SELECT ${escape('name')} AS name FROM ${escape(migrationsTable)} WHERE ${escape('name')} IN (${names})`,
  )) as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

async function withRunner<T>(ds: DataSource, work: (qr: QueryRunner) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  try {
    return await work(qr);
  } finally {
    await qr.release();
  }
}

function quoted(prefix: string): string {
  return `'${prefix}'`;
}

/**
 * With `database.tablePrefix` left to its default: refuses a database that holds the module's tables from
 * before the default prefix (unprefixed, with their `migrations` table) and no prefixed ones, rather than
 * booting on new empty tables beside them.
 */
export async function refuseUnprefixedInstall(ds: DataSource, prefix: string): Promise<void> {
  await withRunner(ds, async (qr) => {
    const tables = await existingTables(qr, [`${prefix}migrations`, 'migrations', ...MODULE_TABLES]);
    if (tables.has(`${prefix}migrations`)) return;
    const recorded = await recordedMigrations(qr, tables.get('migrations'), 'migrations');
    const old = MODULE_TABLES.filter((t) => tables.has(t));
    if (recorded.size === 0 && !(old.includes('consent_records') && old.includes('consent_events'))) return;
    const found = [...old, ...(recorded.size ? ['recorded in "migrations"'] : [])].join(', ');
    throw new AuthConsentConfigError(
      `database.tablePrefix now defaults to ${quoted(prefix)}, but this database holds the module's tables without a prefix (${found}): set database.tablePrefix: '' to keep those names, or rename each table to ${prefix}<name> ` +
        `(the migrations table too) before starting (docs/operations.md, "Upgrading: the default table prefix").`,
    );
  });
}

/**
 * Before the module's migrations run (under their lock): refuses a table that a pending migration would
 * create but that already exists, such as an app's own `users` under `database.tablePrefix: ''`.
 */
export async function refuseForeignTables(ds: DataSource, prefix: string, migrationsTable: string): Promise<void> {
  await withRunner(ds, async (qr) => {
    const tables = await existingTables(qr, [migrationsTable, ...MODULE_TABLES.map((t) => `${prefix}${t}`)]);
    const own = tables.get(migrationsTable);
    if (own && !isMigrationsTable(own)) {
      throw new AuthConsentConfigError(
        `database.tablePrefix ${quoted(prefix)}: the table "${migrationsTable}" exists with another shape (columns ${own.columns.map((c) => c.name).join(', ')}), so the module cannot record its migrations in it; ` +
          `choose a database.tablePrefix that no table of the app uses (the default is ${quoted(DEFAULT_TABLE_PREFIX)}).`,
      );
    }
    const recorded = await recordedMigrations(qr, own, migrationsTable);
    const foreign = MODULE_TABLES.find((t) => tables.has(`${prefix}${t}`) && !recorded.has(CREATED_BY[t]));
    if (foreign === undefined) return;
    const table = tables.get(`${prefix}${foreign}`)!;
    throw new AuthConsentConfigError(
      `database.tablePrefix ${quoted(prefix)}: the table "${prefix}${foreign}" already exists with another shape (columns ${table.columns.map((c) => c.name).join(', ')}) ` +
        `and the module's migrations (in "${migrationsTable}") did not create it; choose a database.tablePrefix that no table of the app uses (the default is ${quoted(DEFAULT_TABLE_PREFIX)}).`,
    );
  });
}

/**
 * At boot, after any migrations: each of the module's tables that exists has every column the module maps (but
 * those a pending migration adds), so a table of the app under the same name stops the boot instead of
 * failing its first request.
 */
export async function checkTableShapes(ds: DataSource, prefix: string): Promise<void> {
  await withRunner(ds, async (qr) => {
    const tables = await existingTables(
      qr,
      ds.entityMetadatas.map((m) => m.tableName),
    );
    for (const meta of ds.entityMetadatas) {
      const table = tables.get(meta.tableName);
      if (!table) continue;
      const later = ADDED_LATER[meta.tableNameWithoutPrefix] ?? [];
      const have = new Set(table.columns.map((c) => c.name));
      const missing = meta.columns.map((c) => c.databaseName).filter((c) => !have.has(c) && !later.includes(c));
      if (missing.length === 0) continue;
      throw new AuthConsentConfigError(
        `database.tablePrefix ${quoted(prefix)}: the table "${meta.tableName}" exists with another shape (no column ${missing.join(', ')}), so it is not the module's; ` +
          `choose a database.tablePrefix that no table of the app uses (the default is ${quoted(DEFAULT_TABLE_PREFIX)}).`,
      );
    }
  });
}
