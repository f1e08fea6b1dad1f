import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { ChildApp } from './support/child-app.js';
import { trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, freePort, MARIADB_URL, POSTGRES_URL, uniquePrefix } from './support/services.js';

const INSTANCES = 4;

/** Replicas of an app started at the same moment on an empty schema: the migrations run once, every one starts. */
describe.each([
  ['PostgreSQL', POSTGRES_URL],
  ['MariaDB', MARIADB_URL],
])('%s: %s app processes starting together on an empty schema', (_name, url) => {
  const prefix = uniquePrefix('mcon');
  const apps: ChildApp[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await dropPrefixedTables(url, prefix);
  });

  it('all come up, and the migrations table lists each migration once', async () => {
    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    const started = await Promise.allSettled(
      ports.map((port) =>
        ChildApp.library(
          trackingOptions({ database: { url, tablePrefix: prefix }, sessionSecret: null, auditSecret: null }),
          { port },
        ),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') apps.push(result.value);
    const failures = started
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason).slice(0, 400));
    expect(failures).toEqual([]);
    const ds = new DataSource({ type: url.startsWith('postgres') ? 'postgres' : 'mysql', url });
    await ds.initialize();
    try {
      const q = url.startsWith('postgres')
        ? `SELECT name, COUNT(*) AS n FROM "${prefix}migrations" GROUP BY name`
        : `SELECT name, COUNT(*) AS n FROM \`${prefix}migrations\` GROUP BY name`;
      const rows = (await ds.query(q)) as Array<{ name: string; n: string | number }>;
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    } finally {
      await ds.destroy();
    }
    for (const app of apps) expect((await fetch(`${app.url}/health`)).status).toBe(200);
  }, 120_000);
});
