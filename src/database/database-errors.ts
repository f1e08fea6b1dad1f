import { ServiceUnavailableException } from '@nestjs/common';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  // mysql2's client-side query timeout, and the server's own limits (max_statement_time, lock wait).
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);

/**
 * True when an error means the database cannot be reached or did not answer in time (answer 503), not that
 * the query was wrong. A timed-out statement's outcome is unknown: it may still commit.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const code = typeof e.code === 'string' ? e.code : '';
    // PostgreSQL class 08 (connection exception), 57014 (cancelled: statement_timeout) and 57P0x (admin shutdown, crash).
    if (CONNECTION_CODES.has(code) || /^08/.test(code) || code === '57014' || /^57P0/.test(code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      /connection (terminated|is closed|lost)|connect ECONNREFUSED|timeout exceeded when trying to connect|query read timeout|query inactivity timeout|Connection is not established|pool is closed|DataSource is not initialized|database is locked/i.test(
        message,
      )
    ) {
      return true;
    }
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}

/** 503: the database could not be reached or did not answer within its time limits; the request may be retried. */
export class DatabaseUnavailableException extends ServiceUnavailableException {
  constructor() {
    super('The database is unavailable; try again shortly.');
  }
}

/** Runs a database call, turning an unreachable or timed-out database into a 503 (the cause stays in `cause`). */
export async function unavailableAs503<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw Object.assign(new DatabaseUnavailableException(), { cause: err });
    throw err;
  }
}
