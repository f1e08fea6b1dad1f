import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { authConsentMigrations } from '../migrations/index.js';
import { connectionOptionsFromUrl } from '../src/index.js';
import { authConsentEntities } from '../src/database/entities.js';
import { MARIADB_URL, POSTGRES_URL, prefixedTableNames, uniquePrefix } from './support/services.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-migrations-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

interface Shape {
  tables: Record<string, { columns: string[]; indices: string[] }>;
}

async function shape(ds: DataSource, prefix: string): Promise<Shape> {
  const qr = ds.createQueryRunner();
  try {
    const tables = await qr.getTables(await prefixedTableNames(ds, prefix));
    const out: Shape = { tables: {} };
    for (const t of tables) {
      const name = t.name.split('.').pop()!.slice(prefix.length);
      if (name === 'migrations') continue;
      // TypeORM's PostgreSQL reader lists index columns in table order, so compare column sets.
      const cols = (names: string[]) => [...names].sort().join(',');
      const uniques = t.uniques.map((u) => `unique(${cols(u.columnNames)})`);
      const indices = t.indices.map((i) => `${i.isUnique ? 'unique' : 'index'}(${cols(i.columnNames)})`);
      // Databases report a unique index either as an index or as a constraint: compare the union.
      out.tables[name] = {
        columns: t.columns.map((c) => c.name).sort(),
        indices: [...new Set([...uniques, ...indices])].sort(),
      };
    }
    return out;
  } finally {
    await qr.release();
  }
}

const shapes: Record<string, Shape> = {};

describe.each([
  ['PostgreSQL', () => POSTGRES_URL],
  ['MariaDB', () => MARIADB_URL],
  ['SQLite', () => `sqlite:${join(sqliteDir, 'm.sqlite')}`],
])('migrations on %s', (_name, url) => {
  it('run up, match the entities, and run down to nothing', async () => {
    const prefix = uniquePrefix('mig');
    const ds = new DataSource({
      ...connectionOptionsFromUrl(url(), prefix),
      entities: authConsentEntities,
      migrations: authConsentMigrations,
    });
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      expect(ran.map((m) => m.name)).toEqual(authConsentMigrations.map((m) => m.name));
      const up = await shape(ds, prefix);
      expect(Object.keys(up.tables).sort()).toEqual([
        'admin_audit',
        'consent_checkpoints',
        'consent_event_categories',
        'consent_events',
        'consent_heads',
        'consent_records',
        'users',
      ]);
      shapes[_name] = up;

      // Every column an entity maps exists in the table the migrations made.
      for (const meta of ds.entityMetadatas) {
        const table = up.tables[meta.tableName.slice(prefix.length)];
        expect(table.columns).toEqual(expect.arrayContaining(meta.columns.map((c) => c.databaseName)));
      }

      for (let i = 0; i < authConsentMigrations.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect((await shape(ds, prefix)).tables).toEqual({});
    } finally {
      const qr = ds.createQueryRunner();
      await qr.dropTable(`${prefix}migrations`, true);
      await qr.release();
      await ds.destroy();
    }
  });

  it('give the events and checkpoints written before the format column format 1, and leave them as they were', async () => {
    const prefix = uniquePrefix('migf');
    const options = connectionOptionsFromUrl(url(), prefix);
    const before = new DataSource({ ...options, migrations: authConsentMigrations.slice(0, -1) });
    const after = new DataSource({ ...options, migrations: authConsentMigrations });
    await before.initialize();
    try {
      await before.runMigrations({ transaction: 'each' });
      const t = (name: string) => before.driver.escape(`${prefix}${name}`);
      const cols = (names: string[]) => names.map((n) => before.driver.escape(n)).join(', ');
      await before.query(
        `INSERT INTO ${t('consent_events')} (${cols(['subject_type', 'subject_id', 'seq', 'action', 'decisions_after', 'policy_version', 'policy_hash', 'source', 'created_at', 'hash'])}) ` +
          `VALUES ('visitor', 'old', 1, 'grant', '{}', '1', 'p', 'banner', '2026-01-01 00:00:00', 'h1')`,
      );
      await before.query(
        `INSERT INTO ${t('consent_checkpoints')} (${cols(['subject_type', 'subject_id', 'kind', 'seq', 'hash', 'events', 'created_at', 'mac'])}) ` +
          `VALUES ('visitor', 'old', 'head', 1, 'h1', 0, '2026-01-01 00:00:00', 'm1')`,
      );
    } finally {
      await before.destroy();
    }
    await after.initialize();
    try {
      expect((await after.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([
        authConsentMigrations[authConsentMigrations.length - 1].name,
      ]);
      const t = (name: string) => after.driver.escape(`${prefix}${name}`);
      const f = after.driver.escape('format');
      expect(
        (await after.query(`SELECT ${f} AS f, ${after.driver.escape('hash')} AS h FROM ${t('consent_events')}`)).map(
          (r: { f: unknown; h: string }) => [Number(r.f), r.h],
        ),
      ).toEqual([[1, 'h1']]);
      expect(
        (
          await after.query(`SELECT ${f} AS f, ${after.driver.escape('mac')} AS m FROM ${t('consent_checkpoints')}`)
        ).map((r: { f: unknown; m: string }) => [Number(r.f), r.m]),
      ).toEqual([[1, 'm1']]);
      for (let i = 0; i < authConsentMigrations.length; i++) await after.undoLastMigration({ transaction: 'each' });
    } finally {
      const qr = after.createQueryRunner();
      for (const name of await prefixedTableNames(after, prefix)) await qr.dropTable(name, true);
      await qr.release();
      await after.destroy();
    }
  });
});

describe('migrations across databases', () => {
  it('leave the same tables, columns and indexes on PostgreSQL, MariaDB and SQLite', () => {
    expect(Object.keys(shapes).sort()).toEqual(['MariaDB', 'PostgreSQL', 'SQLite']);
    expect(shapes.MariaDB).toEqual(shapes.PostgreSQL);
    expect(shapes.SQLite).toEqual(shapes.PostgreSQL);
    expect(shapes.PostgreSQL.tables.consent_events.indices).toEqual(
      expect.arrayContaining(['unique(seq,subject_id,subject_type)', 'index(created_at,id)']),
    );
    // The admin review's keyset indexes (migration 1763730000000).
    expect(shapes.PostgreSQL.tables.consent_events.indices).toEqual(
      expect.arrayContaining([
        'index(created_at,id,subject_id,subject_type)',
        'index(action,created_at,id)',
        'index(created_at,id,source)',
      ]),
    );
    expect(shapes.PostgreSQL.tables.consent_event_categories.indices).toEqual(
      expect.arrayContaining([
        'index(category,created_at,event_id)',
        'index(action,category,created_at,granted_after)',
      ]),
    );
    expect(shapes.PostgreSQL.tables.admin_audit.indices).toEqual(
      expect.arrayContaining(['index(created_at,id)', 'index(actor_id,created_at,id)']),
    );
    // The event and checkpoint format (migration 1763740000000).
    expect(shapes.PostgreSQL.tables.consent_events.columns).toContain('format');
    expect(shapes.PostgreSQL.tables.consent_checkpoints.columns).toContain('format');
    // The last sign-in (migration 1763750000000).
    expect(shapes.PostgreSQL.tables.users.columns).toContain('last_login_at');
  });
});
