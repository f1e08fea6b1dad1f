import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import { driverTimeoutOptions, type DatabaseTimeouts } from './database-timeouts.js';
import { DEFAULT_TABLE_PREFIX } from './table-prefix.js';

/** The embedded default: a SQLite file, so the demo runs with no database configured. */
export const DEFAULT_DATABASE_URL = 'sqlite:data/app.sqlite';

export type DatabaseDriver = 'postgres' | 'mysql' | 'better-sqlite3';

/** Which TypeORM driver a `DATABASE_URL` names, or `undefined` when the scheme is unknown. */
export function driverOf(url: string): DatabaseDriver | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^(mysql|mariadb):\/\//i.test(url)) return 'mysql';
  if (/^sqlite:/i.test(url)) return 'better-sqlite3';
  return undefined;
}

/**
 * Connection options for a `DATABASE_URL` (`postgres://…`, `mysql://…`/`mariadb://…`, `sqlite:path` or
 * `sqlite::memory:`), with the module's tables under `tablePrefix` (default `'auth_consent_'`, as the module's;
 * `''` for none). Schema changes come only from migrations: `synchronize` is always off. With `timeouts`,
 * every connection of the pool gets the connect and statement limits (the module's own data source always
 * passes them); without, only a 5 s connect limit.
 */
export function connectionOptionsFromUrl(
  url: string,
  tablePrefix = DEFAULT_TABLE_PREFIX,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  const driver = driverOf(url);
  const common = {
    entityPrefix: tablePrefix,
    migrationsTableName: `${tablePrefix}migrations`,
    synchronize: false,
  } as const;
  switch (driver) {
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url,
        poolSize: 10,
        connectTimeoutMS: 5000,
        ...(timeouts && driverTimeoutOptions('postgres', timeouts)),
      };
    case 'mysql':
      // timezone 'Z' keeps DATETIME values in UTC whatever the server's zone is.
      return {
        ...common,
        type: 'mysql',
        url: url.replace(/^mariadb:/i, 'mysql:'),
        timezone: 'Z',
        poolSize: 10,
        connectTimeout: 5000,
        ...(timeouts && driverTimeoutOptions('mysql', timeouts)),
      };
    case 'better-sqlite3': {
      const path = url.replace(/^sqlite:(\/\/)?/i, '');
      if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
      // WAL lets readers proceed while one writer commits.
      return {
        ...common,
        type: 'better-sqlite3',
        database: path,
        enableWAL: path !== ':memory:',
        ...(timeouts && driverTimeoutOptions('better-sqlite3', timeouts)),
      };
    }
    default:
      throw new AuthConsentConfigError(
        `database.url has an unknown scheme in '${url.split(':')[0]}:…'; use postgres://, mysql://, mariadb:// or sqlite:<path>.`,
      );
  }
}
