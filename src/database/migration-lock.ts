import { createHash } from 'node:crypto';
import type { DataSource, Migration } from 'typeorm';

/**
 * Runs the pending migrations while holding a database lock on a connection of its own, so app instances
 * that start together on an empty schema apply each migration exactly once: the others wait on the lock,
 * then find nothing left to run. PostgreSQL: a session advisory lock; MariaDB/MySQL: `GET_LOCK`; SQLite (one
 * file, development) runs them as they are. The lock is named after the migrations table, so apps with
 * different table prefixes in one database do not wait on each other. `beforeRun` runs under the lock, before
 * the pending migrations (checks that must not see another instance's half-made schema).
 */
export async function runMigrationsLocked(
  dataSource: DataSource,
  migrationsTable: string,
  beforeRun?: () => Promise<void>,
): Promise<Migration[]> {
  const type = dataSource.options.type;
  const run = async () => {
    await beforeRun?.();
    return dataSource.runMigrations({ transaction: 'each' });
  };
  if (type !== 'postgres' && type !== 'mysql' && type !== 'mariadb') return run();
  const name = `nestjs-auth-consent:${migrationsTable}`;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (type === 'postgres') {
      const key = createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
      await runner.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await run();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    }
    // GET_LOCK names are at most 64 characters.
    const lock = createHash('sha256').update(name).digest('hex').slice(0, 60);
    const [row] = (await runner.query('SELECT GET_LOCK(?, 120) AS got', [lock])) as Array<{ got: number | string }>;
    if (Number(row?.got) !== 1)
      throw new Error('Timed out waiting for another instance to finish the migrations (GET_LOCK).');
    try {
      return await run();
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  } finally {
    await runner.release();
  }
}
