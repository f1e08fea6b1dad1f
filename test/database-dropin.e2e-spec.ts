import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource, Table, type DataSourceOptions, type MigrationInterface, type QueryRunner } from 'typeorm';
import { authConsentMigrations } from '../migrations/index.js';
import {
  AuthConsentModule,
  AuthService,
  connectionOptionsFromUrl,
  type AuthConsentModuleOptions,
} from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { bootLibraryApp } from './support/library-app.js';
import { allTables, ScratchDatabases, type Engine } from './support/scratch-database.js';
import { TEST_SECRET } from './support/services.js';

/**
 * The database side of dropping the module into an existing app: default table prefix, an install from before
 * it, an app's own tables under the module's names, and the app's DataSource shared with the module. Each case
 * gets a database of its own (PostgreSQL and MariaDB: a fresh database; SQLite: a fresh file), so the
 * unprefixed `users` and `migrations` tables here never meet another suite's.
 */

const scratch = new ScratchDatabases();
afterAll(() => scratch.dropAll());
const freshDatabase = (engine: Engine) => scratch.create(engine);

/** The app's own migration: its `users` table, recorded in its own `migrations` table. */
class AppUsers1700000000000 implements MigrationInterface {
  name = 'AppUsers1700000000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'email', type: 'varchar', length: '200' },
        ],
      }),
    );
    await qr.query(`INSERT INTO users (id, email) VALUES (1, 'ada@example.com'), (2, 'bob@example.com')`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('users');
  }
}

/** The app's DataSource, as `TypeOrmModule.forRoot({ url, migrations, migrationsRun })` would make it. */
async function appDataSource(
  url: string,
  extra: Partial<DataSourceOptions> = {},
  migrationsRun = true,
): Promise<DataSource> {
  const ds = new DataSource({
    ...connectionOptionsFromUrl(url, ''),
    migrations: [AppUsers1700000000000],
    ...extra,
  } as DataSourceOptions);
  await ds.initialize();
  if (migrationsRun) await ds.runMigrations();
  return ds;
}

const base = (database: AuthConsentModuleOptions['database']): AuthConsentModuleOptions => ({
  environment: 'test',
  database,
  session: { secret: TEST_SECRET },
  consent: { auditSecret: TEST_SECRET },
});

/** The app's DataSource under a DI token of the app's (the role of `getDataSourceToken()`), handed to the module. */
async function bootShared(
  dataSource: DataSource,
  database: Omit<NonNullable<AuthConsentModuleOptions['database']>, 'dataSource'> = {},
): Promise<INestApplication> {
  const APP_DATA_SOURCE = Symbol('APP_DATA_SOURCE');
  @Module({ providers: [{ provide: APP_DATA_SOURCE, useValue: dataSource }], exports: [APP_DATA_SOURCE] })
  class AppDatabaseModule {}
  const module = AuthConsentModule.forRootAsync({
    imports: [AppDatabaseModule],
    inject: [APP_DATA_SOURCE],
    useFactory: (ds: DataSource) => base({ ...database, dataSource: ds }),
  });
  return (await bootLibraryApp({ module, logger: false })).app;
}

async function boot(options: AuthConsentModuleOptions): Promise<INestApplication> {
  return (await bootLibraryApp({ options, logger: false })).app;
}

const tables = allTables;

async function rows(ds: DataSource, sql: string): Promise<unknown[]> {
  return ((await ds.query(sql)) as Array<Record<string, unknown>>).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

const MODULE_TABLES = [
  'admin_audit',
  'consent_checkpoints',
  'consent_event_categories',
  'consent_events',
  'consent_heads',
  'consent_records',
  'migrations',
  'users',
];

describe.each<[Engine]>([['PostgreSQL'], ['MariaDB'], ['SQLite']])('%s', (engine) => {
  it("puts the module's tables and its migrations table under the default prefix auth_consent_", async () => {
    const url = await freshDatabase(engine);
    const app = await boot(base({ url }));
    await app.close();
    expect(await tables(url)).toEqual(MODULE_TABLES.map((t) => `auth_consent_${t}`).sort());
  });

  it("stops an unprefixed install from before the default at boot with one sentence, creating nothing; tablePrefix: '' keeps it", async () => {
    const url = await freshDatabase(engine);
    const old = new DataSource({ ...connectionOptionsFromUrl(url, ''), migrations: authConsentMigrations });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    await old.destroy();
    const before = await tables(url);
    expect(before).toEqual(MODULE_TABLES);

    const refused = boot(base({ url }));
    await expect(refused).rejects.toThrow(
      /^database\.tablePrefix now defaults to 'auth_consent_', but this database holds the module's tables without a prefix \(users, consent_records, .*recorded in "migrations"\): set database\.tablePrefix: '' to keep those names, or rename each table to auth_consent_<name>/,
    );
    expect(String(await refused.catch((e: Error) => e.message)).split('. ')).toHaveLength(1);
    expect(await tables(url)).toEqual(before);

    const app = await boot(base({ url, tablePrefix: '' }));
    try {
      await request(app.getHttpServer()).get('/health').expect(200);
    } finally {
      await app.close();
    }
    expect(await tables(url)).toEqual(before);
  });

  it('refuses, naming database.tablePrefix, a table of the app under a name the module needs; the app table stays as it was', async () => {
    const url = await freshDatabase(engine);
    const appDs = await appDataSource(url);
    try {
      await expect(boot(base({ url, tablePrefix: '' }))).rejects.toThrow(
        /^database\.tablePrefix '': the table "users" already exists with another shape \(columns id, email\) and the module's migrations \(in "migrations"\) did not create it; choose a database\.tablePrefix that no table of the app uses \(the default is 'auth_consent_'\)\.$/,
      );
      // Without migrations at boot, the shape check says the same.
      await expect(boot(base({ url, tablePrefix: '', migrationsRun: false }))).rejects.toThrow(
        /^database\.tablePrefix '': the table "users" exists with another shape \(no column username, password_hash, roles, disabled, password_changed_at, created_at\), so it is not the module's/,
      );
      expect(await rows(appDs, 'SELECT id, email FROM users ORDER BY id')).toEqual([
        { id: 1, email: 'ada@example.com' },
        { id: 2, email: 'bob@example.com' },
      ]);
      expect((await tables(url)).filter((t) => t.startsWith('consent_'))).toEqual([]);
    } finally {
      await appDs.destroy();
    }
  });

  it("reads past another tool's migrations table (no TypeORM columns), and refuses to record its own in it under tablePrefix: ''", async () => {
    const url = await freshDatabase(engine);
    const appDs = new DataSource(connectionOptionsFromUrl(url, ''));
    await appDs.initialize();
    try {
      await appDs.query(
        `CREATE TABLE migrations (id INTEGER PRIMARY KEY, migration VARCHAR(200) NOT NULL, batch INTEGER NOT NULL)`,
      );
      await appDs.query(`INSERT INTO migrations (id, migration, batch) VALUES (1, '2014_10_12_create_users_table', 1)`);
      const app = await boot(base({ url }));
      await app.close();
      await expect(boot(base({ url, tablePrefix: '' }))).rejects.toThrow(
        /^database\.tablePrefix '': the table "migrations" exists with another shape \(columns id, migration, batch\), so the module cannot record its migrations in it; choose a database\.tablePrefix/,
      );
      expect(await rows(appDs, 'SELECT id, migration, batch FROM migrations')).toEqual([
        { id: 1, migration: '2014_10_12_create_users_table', batch: 1 },
      ]);
    } finally {
      await appDs.destroy();
    }
  });

  it("shares the app's DataSource: its own tables and migrations table, the app's users and migrations untouched, the DataSource left open", async () => {
    const url = await freshDatabase(engine);
    const appDs = await appDataSource(url, engine === 'SQLite' ? {} : ({ poolSize: 3 } as Partial<DataSourceOptions>));
    try {
      const appMigrations = await rows(appDs, 'SELECT * FROM migrations');
      const app = await bootShared(appDs);
      try {
        const moduleDs = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
        expect(moduleDs).not.toBe(appDs);
        expect(
          (await rows(appDs, 'SELECT name FROM auth_consent_migrations ORDER BY id')).map(
            (r) => (r as { name: string }).name,
          ),
        ).toEqual(authConsentMigrations.map((m) => m.name));
        const user = await app.get(AuthService).createUser('carol', 'correct horse battery', ['admin']);
        const browser = request.agent(app.getHttpServer());
        const login = await browser
          .post('/auth/login')
          .send({ username: 'carol', password: 'correct horse battery' })
          .expect(200);
        expect(login.body).toEqual({ user: { id: user.id, username: 'carol', roles: ['admin'] } });
        // Consent writes (on PostgreSQL the module's own writer on the app's pool) land in the module's tables.
        await browser.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
        await browser.put('/consent').send({ choice: 'reject-all', policyVersion: '1' }).expect(200);
        const [{ n }] = (await appDs.query(
          `SELECT COUNT(*) AS n FROM auth_consent_consent_events WHERE subject_id = '${user.id}'`,
        )) as Array<{ n: unknown }>;
        expect(Number(n)).toBe(2);
        expect(await rows(appDs, 'SELECT username FROM auth_consent_users')).toEqual([{ username: 'carol' }]);
        expect((await request(app.getHttpServer()).get('/health')).body).toMatchObject({ database: 'up' });
      } finally {
        await app.close();
      }
      // The app's tables and migrations as they were; its DataSource still open and usable.
      expect(appDs.isInitialized).toBe(true);
      expect(await rows(appDs, 'SELECT * FROM migrations')).toEqual(appMigrations);
      expect(await rows(appDs, 'SELECT id, email FROM users ORDER BY id')).toEqual([
        { id: 1, email: 'ada@example.com' },
        { id: 2, email: 'bob@example.com' },
      ]);
      expect(await tables(url)).toEqual(
        ['migrations', 'users', ...MODULE_TABLES.map((t) => `auth_consent_${t}`)].sort(),
      );
    } finally {
      await appDs.destroy();
    }
  });
});

describe('PostgreSQL: a shared DataSource', () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase('PostgreSQL');
  });

  it("limits the module's transactions with SET LOCAL, never the app's connections", async () => {
    const appDs = await appDataSource(url, { poolSize: 3 } as Partial<DataSourceOptions>);
    try {
      const app = await bootShared(appDs, { statementTimeout: '300ms' });
      try {
        const moduleDs = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
        const started = Date.now();
        await expect(moduleDs.transaction((em) => em.query('SELECT pg_sleep(1.5)'))).rejects.toMatchObject({
          driverError: { code: '57014' },
        });
        expect(Date.now() - started).toBeLessThan(1200);
        // Committed transactions of the module on every connection of the pool: the limit ends with each.
        await Promise.all(
          [0, 1, 2].map(() =>
            moduleDs.transaction(async (em) => {
              const [{ statement_timeout: limit }] = (await em.query('SHOW statement_timeout')) as Array<{
                statement_timeout: string;
              }>;
              expect(limit).toBe('300ms');
              await em.query('SELECT pg_sleep(0.1)');
            }),
          ),
        );
        // Every connection of the app's pool (three at once) is as the app left it: no limit, sleeps finish.
        const shown = await Promise.all(
          [0, 1, 2].map(() =>
            appDs.transaction(async (em) => {
              const [{ statement_timeout: limit }] = (await em.query('SHOW statement_timeout')) as Array<{
                statement_timeout: string;
              }>;
              await em.query('SELECT pg_sleep(0.5)');
              return limit;
            }),
          ),
        );
        expect(shown).toEqual(['0', '0', '0']);
      } finally {
        await app.close();
      }
    } finally {
      await appDs.destroy();
    }
  });

  it('takes the migrations lock: apps starting together on an empty database each boot, every migration recorded once', async () => {
    const fresh = await freshDatabase('PostgreSQL');
    // The app's schema is in place (its own migrations are its business); four replicas open their DataSources.
    await (await appDataSource(fresh)).destroy();
    const appDss = await Promise.all(
      [0, 1, 2, 3].map(() => appDataSource(fresh, { poolSize: 3 } as Partial<DataSourceOptions>, false)),
    );
    try {
      const started = await Promise.allSettled(appDss.map((d) => bootShared(d)));
      const failures = started
        .filter((r) => r.status === 'rejected')
        .map((r) => String((r as PromiseRejectedResult).reason).slice(0, 300));
      expect(failures).toEqual([]);
      for (const r of started) if (r.status === 'fulfilled') await r.value.close();
      const counts = (await appDss[0].query(
        'SELECT name, COUNT(*)::int AS n FROM auth_consent_migrations GROUP BY name',
      )) as Array<{ name: string; n: number }>;
      expect(counts.length).toBe(authConsentMigrations.length);
      expect(counts.filter((c) => c.n !== 1)).toEqual([]);
    } finally {
      for (const d of appDss) if (d.isInitialized) await d.destroy();
    }
  });

  it('names the setting at fault when the boot cannot use the database', async () => {
    const notYet = new DataSource({ type: 'postgres', url });
    await expect(bootShared(notYet)).rejects.toThrow(
      /^database\.dataSource must be an initialized TypeORM DataSource; call `await dataSource\.initialize\(\)` first/,
    );
    await expect(boot(base({ url: 'postgres://postgres:s3cret@127.0.0.1:1/test' }))).rejects.toThrow(
      /^database\.url \(postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test\) cannot be used: .*ECONNREFUSED/,
    );
  });
});
