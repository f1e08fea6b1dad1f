import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import type { DatabaseDriver } from './database-url.js';

/** What the module knows of a DataSource it uses: whether it opened it, and what each transaction begins with. */
interface ModuleDataSourceInfo {
  /** The module opened it (from `database.url`): it closes it on shutdown. */
  owned: boolean;
  /** Run right after each transaction's BEGIN (`SET LOCAL …` on a DataSource the app shares). */
  transactionStatements: readonly string[];
}

const known = new WeakMap<DataSource, ModuleDataSourceInfo>();

/** Records a DataSource the module opened itself from `database.url`. */
export function markOwned(ds: DataSource): DataSource {
  known.set(ds, { owned: true, transactionStatements: [] });
  return ds;
}

/** True only for a DataSource the module opened: one shared with the app is never closed by the module. */
export function isOwnedByModule(ds: DataSource): boolean {
  return known.get(ds)?.owned === true;
}

/**
 * The statements the module runs at the start of each of its transactions on `ds` (`SET LOCAL
 * statement_timeout` when the app shares its DataSource; none on the module's own, whose connections carry the
 * limits). For code that opens a transaction on a raw connection of the pool (the PostgreSQL consent writer).
 */
export function transactionStatementsOf(ds: DataSource): readonly string[] {
  return known.get(ds)?.transactionStatements ?? [];
}

/** The driver a DataSource's `type` stands for in the module's own terms. */
export function driverOfDataSource(ds: DataSource): DatabaseDriver {
  const type = ds.options.type;
  return type === 'postgres' ? 'postgres' : type === 'better-sqlite3' ? 'better-sqlite3' : 'mysql';
}

/**
 * A DataSource for the module's entities and migrations over the connections of the app's initialized
 * DataSource: its own metadata (the module's tables under `tablePrefix`), its own migrations and migrations
 * table, the app's pool. Nothing is opened: the app's driver is reached through a thin object whose only own
 * property is the data source its query runners report, so the module's query runners see the module's
 * entities and prefix while their SQL goes through the app's connections. It is never initialized or destroyed
 * through the driver: closing it would close the app's pool.
 *
 * Each transaction the module begins on it runs `transactionStatements` right after BEGIN (`SET LOCAL`, which
 * lasts until COMMIT or ROLLBACK), so the connections the app gets back are as the app left them.
 */
export async function shareDataSource(
  app: DataSource,
  options: Pick<DataSourceOptions, 'entityPrefix' | 'migrationsTableName' | 'entities' | 'migrations' | 'logging'>,
  transactionStatements: readonly string[],
): Promise<DataSource> {
  const view = new DataSource({
    ...app.options,
    ...options,
    // The module's mapping is its own, whatever the app configured for its entities.
    namingStrategy: undefined,
    subscribers: [],
    synchronize: false,
    migrationsRun: false,
    dropSchema: false,
    cache: false,
  } as DataSourceOptions);
  const appDriver = app.driver as unknown as Record<string, unknown>;
  const own: PropertyDescriptorMap = { dataSource: { value: view, writable: true, configurable: true } };
  // SQLite's driver hands out one cached query runner: the module gets its own over the same connection, so the
  // app's runner never carries the module's entity manager (or the reverse).
  if (view.options.type === 'better-sqlite3')
    own.queryRunner = { value: undefined, writable: true, configurable: true };
  Object.assign(view, { driver: Object.create(appDriver, own) });
  // DataSource.initialize() without driver.connect(): the metadata of the module's entities under its prefix.
  Object.assign(view, { isInitialized: true });
  await (view as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();

  const create = view.createQueryRunner.bind(view);
  Object.assign(view, {
    createQueryRunner: (mode?: 'master' | 'slave'): QueryRunner =>
      withTransactionStatements(create(mode), transactionStatements),
  });
  known.set(view, { owned: false, transactionStatements });
  return view;
}

const WRAPPED = Symbol('authConsentTransactionStatements');

/** Makes the query runner run `statements` after the BEGIN of each outermost transaction it starts. */
function withTransactionStatements(qr: QueryRunner, statements: readonly string[]): QueryRunner {
  const runner = qr as QueryRunner & { [WRAPPED]?: true; transactionDepth?: number };
  if (statements.length === 0 || runner[WRAPPED]) return qr;
  const start = qr.startTransaction.bind(qr);
  Object.assign(runner, {
    [WRAPPED]: true,
    startTransaction: async (isolationLevel?: Parameters<QueryRunner['startTransaction']>[0]): Promise<void> => {
      const outermost = !qr.isTransactionActive;
      await start(isolationLevel);
      if (outermost) for (const statement of statements) await qr.query(statement);
    },
  });
  return qr;
}
