import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ChildApp } from './support/child-app.js';
import { cookiePair } from './support/cookie-jar.js';
import { http } from './support/http-client.js';
import { installPackedApp } from './support/packed-app.js';
import { allTables, ScratchDatabases } from './support/scratch-database.js';
import { deleteRedisPrefix, freePort, REDIS_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const MODULE_MIGRATIONS = [
  'InitialSchema1763700000000',
  'ConsentAudit1763710000000',
  'AdminIndexes1763730000000',
  'ConsentEventFormat1763740000000',
  'UserLastSignIn1763750000000',
  'ConsentEventDetail1763770000000',
];

/**
 * An existing Nest + TypeORM app (test/dropin-app: its own `users` and `migrations` tables, its DataSource
 * from TypeOrmModule.forRoot) installs the packed library and hands it its DataSource.
 */
describe('an existing TypeORM app that adds the packed library with database: { dataSource } (test/dropin-app)', () => {
  const scratch = new ScratchDatabases();
  const redisPrefix = `${uniquePrefix('dropin')}r:`;
  let tmp: string;
  let url: string;
  let app: ChildApp;
  let db: DataSource;
  let before: { migrations: unknown[]; users: unknown[]; columns: unknown[] };

  const snapshot = async () => ({
    migrations: await db.query('SELECT id, timestamp, name FROM migrations ORDER BY id'),
    users: await db.query('SELECT id, email FROM users ORDER BY id'),
    columns: await db.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users' ORDER BY ordinal_position`,
    ),
  });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'auth-consent-dropin-'));
    const dir = installPackedApp(tmp, 'test/dropin-app');
    // The app as it was before the module: its users table with its users, its migration recorded in `migrations`.
    url = await scratch.create('PostgreSQL');
    db = new DataSource({ type: 'postgres', url });
    await db.initialize();
    await db.query(`CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(200) NOT NULL)`);
    await db.query(`INSERT INTO users (email) VALUES ('ada@example.com'), ('bob@example.com')`);
    await db.query(
      `CREATE TABLE migrations (id SERIAL PRIMARY KEY, "timestamp" BIGINT NOT NULL, name VARCHAR NOT NULL)`,
    );
    await db.query(`INSERT INTO migrations ("timestamp", name) VALUES (1700000000000, 'CreateAppUsers1700000000000')`);
    before = await snapshot();

    app = await ChildApp.start('dist/main.js', {
      cwd: dir,
      port: await freePort(),
      ready: /dropin listening/,
      timeoutMs: 60_000,
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: url,
        REDIS_URL,
        REDIS_PREFIX: redisPrefix,
        SESSION_SECRET: TEST_SECRET,
        CONSENT_AUDIT_SECRET: `${TEST_SECRET}-audit`,
      },
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await db?.destroy();
    await scratch.dropAll();
    await deleteRedisPrefix(redisPrefix);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('resolves the library from its installed package', () => {
    expect(realpathSync(join(tmp, 'app/node_modules/nestjs-auth-consent')).startsWith(realpathSync(tmp))).toBe(true);
  });

  it("ran the module's migrations into its own auth_consent_migrations on the app's DataSource; the app's migrations and users are untouched", async () => {
    expect(
      (await db.query('SELECT name FROM auth_consent_migrations ORDER BY id')).map((r: { name: string }) => r.name),
    ).toEqual(MODULE_MIGRATIONS);
    expect(await snapshot()).toEqual(before);
    expect(await allTables(url)).toEqual(
      [
        'migrations',
        'users',
        ...[
          'admin_audit',
          'consent_checkpoints',
          'consent_event_categories',
          'consent_events',
          'consent_heads',
          'consent_records',
          'migrations',
          'users',
        ].map((t) => `auth_consent_${t}`),
      ].sort(),
    );
    expect((await http(app.url, 'GET', '/health')).body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
  });

  it("keeps the app's own entity on its DataSource working, and signs in an account of the module", async () => {
    expect((await http(app.url, 'GET', '/app/users')).body).toEqual([
      { id: 1, email: 'ada@example.com' },
      { id: 2, email: 'bob@example.com' },
    ]);
    const created = await http(app.url, 'POST', '/app/accounts', {
      body: { username: 'carol', password: 'correct horse battery' },
    });
    expect(created.status).toBe(201);
    const login = await http(app.url, 'POST', '/auth/login', {
      body: { username: 'carol', password: 'correct horse battery' },
    });
    expect(login.status).toBe(200);
    const me = await http(app.url, 'GET', '/auth/me', { cookie: cookiePair(login.setCookies, 'sid') });
    expect(me.body).toMatchObject({ user: { username: 'carol', roles: ['member'] } });
    expect(await db.query('SELECT username FROM auth_consent_users')).toEqual([{ username: 'carol' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('shuts down cleanly: the app closes the DataSource it opened, the module closes nothing of it', async () => {
    await app.stop();
    expect(app.log).not.toMatch(/ERROR|Cannot use a pool after calling end/);
  });
});
