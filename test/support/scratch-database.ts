import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { connectionOptionsFromUrl } from '../../src/database/database-url.js';
import { MARIADB_URL, POSTGRES_URL } from './services.js';

export type Engine = 'PostgreSQL' | 'MariaDB' | 'SQLite';

/**
 * New empty databases on the shared servers (a SQLite file in a temp directory), for tests whose tables have
 * unprefixed names such as an app's own `users` and `migrations`: no other suite ever sees them. `dropAll()`
 * removes every one made.
 */
export class ScratchDatabases {
  private readonly drops: Array<() => Promise<void>> = [];
  private sqliteDir?: string;

  async create(engine: Engine): Promise<string> {
    const name = `scratch_${randomBytes(5).toString('hex')}`;
    if (engine === 'SQLite') {
      this.sqliteDir ??= mkdtempSync(join(tmpdir(), 'ac-scratch-'));
      return `sqlite:${join(this.sqliteDir, `${name}.sqlite`)}`;
    }
    const server = engine === 'PostgreSQL' ? POSTGRES_URL : MARIADB_URL;
    await onServer(server, `CREATE DATABASE ${name}`);
    this.drops.push(() =>
      onServer(
        server,
        engine === 'PostgreSQL' ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`,
      ),
    );
    return server.replace(/\/[^/]*$/, `/${name}`);
  }

  async dropAll(): Promise<void> {
    for (const drop of this.drops.splice(0)) await drop().catch(() => undefined);
    if (this.sqliteDir) rmSync(this.sqliteDir, { recursive: true, force: true });
  }
}

async function onServer(server: string, sql: string): Promise<void> {
  const ds = new DataSource({ ...connectionOptionsFromUrl(server, ''), poolSize: 1 } as DataSourceOptions);
  await ds.initialize();
  try {
    await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}

/** Every table of the database (only for a scratch database: the shared ones hold other suites' tables). */
export async function allTables(url: string): Promise<string[]> {
  const ds = new DataSource(connectionOptionsFromUrl(url, ''));
  await ds.initialize();
  try {
    const type = ds.options.type;
    const rows: Array<{ name: string }> =
      type === 'postgres'
        ? await ds.query(
            `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
          )
        : type === 'mysql'
          ? await ds.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()`)
          : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
    return rows.map((r) => r.name).sort();
  } finally {
    await ds.destroy();
  }
}
