import { describe, expect, it } from '@jest/globals';
import {
  driverTimeoutOptions,
  resolveDatabaseTimeouts,
  transactionTimeoutStatements,
  withoutStatementLimit,
} from './database-timeouts.js';
import { isDatabaseUnavailable } from './database-errors.js';
import { connectionOptionsFromUrl } from './database-url.js';

describe('database time limits', () => {
  it('has documented defaults and reads durations', () => {
    expect(resolveDatabaseTimeouts({})).toEqual({ statementTimeoutMs: 1500, connectTimeoutMs: 2000 });
    expect(resolveDatabaseTimeouts({ statementTimeout: '3s', connectTimeout: 500 })).toEqual({
      statementTimeoutMs: 3000,
      connectTimeoutMs: 500,
    });
  });

  it('sets the limits on every connection through the driver options', () => {
    const t = { statementTimeoutMs: 1500, connectTimeoutMs: 2000 };
    expect(connectionOptionsFromUrl('postgres://u@h/db', '', t)).toMatchObject({
      connectTimeoutMS: 2000,
      extra: { statement_timeout: 1500, query_timeout: 1750, keepAlive: true },
    });
    expect(connectionOptionsFromUrl('mariadb://u@h/db', '', t)).toMatchObject({ connectTimeout: 2000 });
    expect(connectionOptionsFromUrl('mariadb://u@h/db', '', t)).not.toHaveProperty('maxQueryExecutionTime');
    expect(driverTimeoutOptions('better-sqlite3', t)).toEqual({ timeout: 1500 });
    // Migrations: no statement limit, the connect limit stays.
    const pg = driverTimeoutOptions('postgres', withoutStatementLimit(t)) as {
      connectTimeoutMS: number;
      extra: Record<string, unknown>;
    };
    expect(pg.connectTimeoutMS).toBe(2000);
    expect(pg.extra).not.toHaveProperty('statement_timeout');
    expect(pg.extra).not.toHaveProperty('query_timeout');
    // Without limits (an app's own use of the helper) the options are as before.
    expect(connectionOptionsFromUrl('postgres://u@h/db')).not.toHaveProperty('extra');
  });

  it('can express the server-side limit per transaction (SET LOCAL) for a data source the module does not own', () => {
    expect(transactionTimeoutStatements('postgres', { statementTimeoutMs: 1500, connectTimeoutMs: 2000 })).toEqual([
      'SET LOCAL statement_timeout = 1500',
    ]);
    expect(transactionTimeoutStatements('mysql', { statementTimeoutMs: 1500, connectTimeoutMs: 2000 })).toEqual([]);
  });

  it('counts a statement that ran out of time as the database being unavailable (503)', () => {
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(
      isDatabaseUnavailable({
        message: 'x',
        driverError: Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      }),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
