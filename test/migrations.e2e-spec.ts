import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { authConsentMigrations } from '../migrations/index.js';
import { authConsentEntities, connectionOptionsFromUrl } from '../src/index.js';
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
      out.tables[name] = { columns: t.columns.map((c) => c.name).sort(), indices: [...new Set([...uniques, ...indices])].sort() };
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
    const ds = new DataSource({ ...connectionOptionsFromUrl(url(), prefix), entities: authConsentEntities, migrations: authConsentMigrations });
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      expect(ran.map((m) => m.name)).toEqual(authConsentMigrations.map((m) => m.name));
      const up = await shape(ds, prefix);
      expect(Object.keys(up.tables).sort()).toEqual(['admin_audit', 'consent_checkpoints', 'consent_event_categories', 'consent_events', 'consent_heads', 'consent_records', 'users']);
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
      expect.arrayContaining(['index(created_at,id,subject_id,subject_type)', 'index(action,created_at,id)', 'index(created_at,id,source)']),
    );
    expect(shapes.PostgreSQL.tables.consent_event_categories.indices).toEqual(
      expect.arrayContaining(['index(category,created_at,event_id)', 'index(action,category,created_at,granted_after)']),
    );
    expect(shapes.PostgreSQL.tables.admin_audit.indices).toEqual(expect.arrayContaining(['index(created_at,id)', 'index(actor_id,created_at,id)']));
  });
});
