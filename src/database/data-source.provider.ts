import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { authConsentMigrations } from '../../migrations/index.js';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import type { ResolvedAuthConsentOptions, ResolvedDatabaseOptions } from '../auth-consent.options.js';
import { transactionTimeoutStatements, withoutStatementLimit, type DatabaseTimeouts } from './database-timeouts.js';
import { connectionOptionsFromUrl, driverOf } from './database-url.js';
import { runMigrationsLocked } from './migration-lock.js';
import { authConsentEntities } from './entities.js';
import { driverOfDataSource, isOwnedByModule, markOwned, shareDataSource } from './shared-connection.js';
import { checkTableShapes, refuseForeignTables, refuseUnprefixedInstall } from './table-prefix.js';

const logger = new Logger('AuthConsentDatabase');

export const dataSourceProvider: Provider = {
  provide: AUTH_CONSENT_DATA_SOURCE,
  inject: [AUTH_CONSENT_OPTIONS],
  useFactory: ({ database }: ResolvedAuthConsentOptions): Promise<DataSource> =>
    database.dataSource ? sharedDataSource(database, database.dataSource) : ownDataSource(database),
};

/** The module's own tables, migrations and migrations table, whoever owns the connections. */
function moduleOptions(database: ResolvedDatabaseOptions) {
  return {
    entityPrefix: database.tablePrefix,
    migrationsTableName: `${database.tablePrefix}migrations`,
    entities: authConsentEntities,
    migrations: authConsentMigrations,
    logging: database.logging,
  } satisfies Partial<DataSourceOptions>;
}

/** `database.url`: the module opens its pool (and closes it on shutdown, or when the boot fails). */
async function ownDataSource(database: ResolvedDatabaseOptions): Promise<DataSource> {
  const url = database.url!;
  const create = (timeouts: DatabaseTimeouts) =>
    new DataSource({
      ...connectionOptionsFromUrl(url, database.tablePrefix, timeouts),
      ...moduleOptions(database),
      migrationsRun: false,
    });
  const dataSource = create(database.timeouts);
  try {
    await dataSource.initialize();
  } catch (err) {
    throw Object.assign(new Error(`database.url (${redactUrl(url)}) cannot be used: ${driverReason(err)}`), {
      cause: err,
    });
  }
  markOwned(dataSource);
  try {
    // A migration may rebuild a large table for longer than a request's statement limit: a server database
    // migrates on its own short-lived pool without that limit (SQLite shares its one in-process database).
    const separate = driverOf(url) !== 'better-sqlite3';
    await prepare(dataSource, database, async () => {
      if (!separate) return { migrator: dataSource, close: async () => undefined };
      const migrator = create(withoutStatementLimit(database.timeouts));
      await migrator.initialize();
      return { migrator, close: () => migrator.destroy() };
    });
  } catch (err) {
    await dataSource.destroy().catch(() => undefined);
    throw err;
  }
  return dataSource;
}

/**
 * `database.dataSource`: the module's entities and migrations over the app's connections. Nothing is opened or
 * closed; the statement limit is set per transaction (`SET LOCAL`), never on the app's connections.
 */
async function sharedDataSource(database: ResolvedDatabaseOptions, app: DataSource): Promise<DataSource> {
  if (!app.isInitialized)
    throw new AuthConsentConfigError(
      'database.dataSource must be an initialized TypeORM DataSource; it was not initialized (or was destroyed) when the module started.',
    );
  const driver = driverOfDataSource(app);
  const dataSource = await shareDataSource(
    app,
    moduleOptions(database),
    transactionTimeoutStatements(driver, database.timeouts),
  );
  // Migrations: the same connections, no statement limit, still under the module's migrations lock.
  await prepare(dataSource, database, async () => ({
    migrator: await shareDataSource(app, moduleOptions(database), []),
    close: async () => undefined,
  }));
  return dataSource;
}

/**
 * Before the module serves anything: an unprefixed install from before the default prefix is refused (never
 * booted on new empty tables), pending migrations run under the migrations lock after a check that none of the
 * tables they create exists already, and every table of the module that exists has its columns.
 */
async function prepare(
  dataSource: DataSource,
  database: ResolvedDatabaseOptions,
  openMigrator: () => Promise<{ migrator: DataSource; close: () => Promise<void> }>,
): Promise<void> {
  const prefix = database.tablePrefix;
  if (database.tablePrefixDefaulted) await refuseUnprefixedInstall(dataSource, prefix);
  if (database.migrationsRun) {
    const { migrator, close } = await openMigrator();
    try {
      const table = `${prefix}migrations`;
      const ran = await runMigrationsLocked(migrator, table, () => refuseForeignTables(migrator, prefix, table));
      if (ran.length > 0) logger.log(`Applied ${ran.length} migration(s): ${ran.map((m) => m.name).join(', ')}`);
    } finally {
      await close();
    }
  }
  await checkTableShapes(dataSource, prefix);
}

/** The URL with its password replaced by `***`, for messages. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** The driver's reason on one line (pg's AggregateError of several addresses has an empty message). */
function driverReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts =
    err instanceof AggregateError && !err.message
      ? err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e)))
      : [err.message];
  const code = (err as { code?: unknown }).code;
  const text = parts.filter(Boolean).join('; ') || (typeof code === 'string' ? code : err.name);
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Closes the module's data source on shutdown when the module opened it; one shared by the app stays open. */
@Injectable()
export class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (isOwnedByModule(this.dataSource) && this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
