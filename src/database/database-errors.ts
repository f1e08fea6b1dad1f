const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);

/** True when an error means the database cannot be reached (answer 503), not that the query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const code = typeof e.code === 'string' ? e.code : '';
    // PostgreSQL class 08 (connection exception) and 57P0x (admin shutdown, crash).
    if (CONNECTION_CODES.has(code) || /^08/.test(code) || /^57P0/.test(code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (/connection (terminated|is closed|lost)|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection is not established|pool is closed|DataSource is not initialized|database is locked/i.test(message)) {
      return true;
    }
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}
