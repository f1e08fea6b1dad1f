import { createRequire } from 'node:module';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import { parseDuration, type Duration } from '../common/duration.js';
import type { DatabaseDriver } from './database-url.js';

/**
 * Time limits on every database call, so a frozen or black-holed database turns into a quick 503 rather than
 * a hung request. The defaults keep a request that meets a frozen database under 5 s.
 */
export interface DatabaseTimeouts {
  /** The longest one SQL statement may run (PostgreSQL: server-side `statement_timeout` plus a client-side limit; SQLite: busy timeout; MySQL/MariaDB: the server's own setting). */
  statementTimeoutMs: number;
  /** The longest opening a connection may take; on PostgreSQL also the longest wait for a free pooled connection. */
  connectTimeoutMs: number;
}

export const DEFAULT_STATEMENT_TIMEOUT: Duration = '1500ms';
export const DEFAULT_CONNECT_TIMEOUT: Duration = '2s';

/** What the client waits beyond the server's own statement limit, so a live server's clean cancel comes first. */
export const CLIENT_STATEMENT_MARGIN_MS = 250;

/** No statement limit (migrations at boot may rebuild large tables); the connect limit stays. */
export function withoutStatementLimit(timeouts: DatabaseTimeouts): DatabaseTimeouts {
  return { ...timeouts, statementTimeoutMs: 0 };
}

/** Validates `database.statementTimeout` / `database.connectTimeout` and fills in the defaults. */
export function resolveDatabaseTimeouts(db: {
  statementTimeout?: Duration;
  connectTimeout?: Duration;
}): DatabaseTimeouts {
  const one = (name: string, value: Duration | undefined, fallback: Duration): number => {
    const ms = parseDuration(value ?? fallback);
    if (ms === undefined || ms < 100 || ms > 600_000) {
      throw new AuthConsentConfigError(
        `database.${name} must be a duration from 100ms to 10m such as '2s' or a number of milliseconds; got ${JSON.stringify(value)}.`,
      );
    }
    return ms;
  };
  return {
    statementTimeoutMs: one('statementTimeout', db.statementTimeout, DEFAULT_STATEMENT_TIMEOUT),
    connectTimeoutMs: one('connectTimeout', db.connectTimeout, DEFAULT_CONNECT_TIMEOUT),
  };
}

/**
 * The driver options that set the limits on each connection the module's own pool opens. A statement limit of
 * 0 sets none (migrations).
 */
export function driverTimeoutOptions(
  driver: DatabaseDriver,
  { statementTimeoutMs: st, connectTimeoutMs: ct }: DatabaseTimeouts,
): Record<string, unknown> {
  switch (driver) {
    case 'postgres':
      return {
        // pg-pool: connecting, and waiting for a free connection when all are busy.
        connectTimeoutMS: ct,
        extra: {
          // TCP keepalive finds an idle pooled connection whose server vanished.
          keepAlive: true,
          keepAliveInitialDelayMillis: 10_000,
          ...(st > 0
            ? {
                // Server-side: the statement is cancelled, the connection stays usable.
                statement_timeout: st,
                // Client-side: a frozen server never cancels anything.
                query_timeout: st + CLIENT_STATEMENT_MARGIN_MS,
                // ...and the connection whose statement ran out of time is closed, never reused.
                Client: boundedPgClient(),
              }
            : {}),
        },
      };
    case 'mysql':
      // No statement limit here: mysql2's query timeout answers the caller but leaves the statement running on
      // the connection, which goes back to the pool still inside its transaction (a later BEGIN would commit
      // it half-done). A server-side limit (MariaDB max_statement_time) is left to the server's configuration.
      return { connectTimeout: ct };
    case 'better-sqlite3':
      // One connection in process: the only wait is for another writer's lock.
      return { timeout: st > 0 ? st : 5000 };
  }
}

type Callback = (err: unknown, result?: unknown) => void;
interface PgClient {
  query(...args: unknown[]): unknown;
  connection?: { stream?: { destroy(): void } };
}
let boundedClient: (new (...args: unknown[]) => PgClient) | undefined;

/**
 * node-postgres' Client, except that a connection whose statement ran past `query_timeout` is closed at once.
 * node-postgres answers the caller but keeps the connection, its statement still running and maybe inside a
 * transaction whose ROLLBACK timed out too: handed to the next caller, its statements would join that
 * transaction. Closed, the server rolls it back and the pool opens a fresh one.
 */
function boundedPgClient(): new (...args: unknown[]) => PgClient {
  if (boundedClient) return boundedClient;
  const { Client } = createRequire(import.meta.url)('pg') as { Client: new (...args: unknown[]) => PgClient };
  const timedOut = (err: unknown) => (err as { message?: unknown } | null)?.message === 'Query read timeout';
  boundedClient = class BoundedClient extends Client {
    override query(...args: unknown[]): unknown {
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as Callback;
        args[last] = (err: unknown, result?: unknown) => {
          if (timedOut(err)) this.connection?.stream?.destroy();
          callback(err, result);
        };
        return super.query(...args);
      }
      const result = super.query(...args);
      if (result instanceof Promise)
        result.catch((err: unknown) => timedOut(err) && this.connection?.stream?.destroy());
      return result;
    }
  };
  return boundedClient;
}

/**
 * The statements that set the same limits for one transaction on a connection the module does not own (an
 * app's DataSource: `SET LOCAL` lasts until COMMIT or ROLLBACK and leaves the app's sessions as they were).
 * Only the server-side limit can be set this way; the client-side bound is the caller's (a timer that
 * destroys the connection).
 */
export function transactionTimeoutStatements(
  driver: DatabaseDriver,
  { statementTimeoutMs: st }: DatabaseTimeouts,
): string[] {
  if (st <= 0) return [];
  switch (driver) {
    case 'postgres':
      return [`SET LOCAL statement_timeout = ${Math.round(st)}`];
    default:
      // MySQL/MariaDB have no transaction-scoped setting; SQLite's busy timeout is per connection.
      return [];
  }
}
