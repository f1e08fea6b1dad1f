import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createCluster, createSentinel } from 'redis';
import { DataSource } from 'typeorm';
import { AuthConsentConfigError } from './auth-consent.exceptions.js';
import { resolveOptions } from './auth-consent.options.js';

const secret = 'x'.repeat(32);

/** A DataSource that says it is initialized (option checks only; nothing connects). */
function initialized(ds: DataSource): DataSource {
  return Object.assign(ds, { isInitialized: true });
}

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveOptions({ environment: 'development' });
    expect(o.database).toEqual({
      url: 'sqlite:data/app.sqlite',
      dataSource: undefined,
      tablePrefix: 'auth_consent_',
      tablePrefixDefaulted: true,
      migrationsRun: true,
      logging: false,
      timeouts: { statementTimeoutMs: 1500, connectTimeoutMs: 2000 },
    });
    expect(o.session).toMatchObject({
      idleTimeoutMs: 30 * 60_000,
      absoluteTimeoutMs: 12 * 3_600_000,
      rememberIdleTimeoutMs: 7 * 86_400_000,
      rememberAbsoluteTimeoutMs: 30 * 86_400_000,
      cookieName: 'sid',
      cookieSecure: false,
    });
    expect(o.session.secrets).toHaveLength(1);
    expect(o.warnings).toHaveLength(2);
  });

  it('refuses an ioredis client at boot with one sentence; takes cluster and Sentinel clients', () => {
    const ioredis = new Redis({ lazyConnect: true });
    try {
      expect(() => resolveOptions({ redis: { client: ioredis as never } })).toThrow(
        /redis.client is an ioredis client; .*createClient/,
      );
    } finally {
      ioredis.disconnect();
    }
    const sentinel = createSentinel({ name: 'primary', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] });
    expect(resolveOptions({ redis: { client: sentinel, waitForReplicas: 1 } }).redis).toEqual({
      client: sentinel,
      waitForReplicas: 1,
    });
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    expect(resolveOptions({ redis: { client: cluster } }).redis).toEqual({ client: cluster, waitForReplicas: 0 });
    expect(() => resolveOptions({ redis: { client: cluster, waitForReplicas: -1 } })).toThrow(
      /redis.waitForReplicas must be a whole number/,
    );
  });

  it("keeps an explicit table prefix, '' included (the names of installs from before the default prefix)", () => {
    expect(resolveOptions({ database: { tablePrefix: '' } }).database).toMatchObject({
      tablePrefix: '',
      tablePrefixDefaulted: false,
    });
    expect(resolveOptions({ database: { tablePrefix: 'shop_' } }).database).toMatchObject({
      tablePrefix: 'shop_',
      tablePrefixDefaulted: false,
    });
  });

  it('takes an initialized DataSource of the app instead of a URL', () => {
    const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    Object.assign(dataSource, { isInitialized: true });
    expect(resolveOptions({ database: { dataSource } }).database).toMatchObject({
      url: undefined,
      dataSource,
      tablePrefix: 'auth_consent_',
    });
  });

  it('uses a __Host- cookie when Secure', () => {
    const o = resolveOptions({ environment: 'production', redis: { url: 'redis://127.0.0.1' }, session: { secret } });
    expect(o.session).toMatchObject({ cookieSecure: true, cookieName: '__Host-sid' });
    expect(o.warnings).toEqual([]);
  });

  it.each([
    [{ environment: 'production', session: { secret } }, /redis is required in production/],
    [{ environment: 'production', redis: { url: 'redis://h' } }, /session\.secret is required in production/],
    [{ session: { secret: 'short' } }, /session\.secret must be .* at least 32/],
    [{ session: { idleTimeout: 'soon' } }, /session\.idleTimeout must be a positive duration/],
    [{ session: { idleTimeout: '13h' } }, /idleTimeout must not exceed session\.absoluteTimeout/],
    [{ session: { cookieSecure: 'yes' as unknown as boolean } }, /session\.cookieSecure must be/],
    [{ session: { cookieName: 'bad name;' } }, /session\.cookieName must be/],
    [{ redis: { url: 'http://x' } }, /redis\.url must start with redis:\/\//],
    [
      { redis: { client: {} as never } },
      /redis must be \{ url \}, \{ clusterNodes \}, \{ sentinels, sentinelName \} or \{ client \}/,
    ],
    [{ database: { url: 'oracle://x' } }, /database\.url has an unknown scheme/],
    [{ database: { tablePrefix: 'a-b' } }, /database\.tablePrefix must be/],
    [{ database: { dataSource: {} as never } }, /^database\.dataSource must be an initialized TypeORM DataSource/],
    [
      { database: { dataSource: new DataSource({ type: 'better-sqlite3', database: ':memory:' }) } },
      /^database\.dataSource must be an initialized TypeORM DataSource; call `await dataSource.initialize\(\)`/,
    ],
    [
      {
        database: {
          dataSource: initialized(
            new DataSource({ type: 'cockroachdb', url: 'postgres://x@127.0.0.1/db', timeTravelQueries: false }),
          ),
        },
      },
      /^database\.dataSource must be a postgres, mysql, mariadb or better-sqlite3 DataSource; got 'cockroachdb'/,
    ],
    [
      {
        database: {
          url: 'sqlite::memory:',
          dataSource: initialized(new DataSource({ type: 'better-sqlite3', database: ':memory:' })),
        },
      },
      /^database takes either url or dataSource/,
    ],
    [{ database: { statementTimeout: 'never' } }, /database\.statementTimeout must be a duration from 100ms to 10m/],
    [{ database: { statementTimeout: 50 } }, /database\.statementTimeout must be/],
    [{ database: { connectTimeout: '1h' } }, /database\.connectTimeout must be a duration/],
    [{ allowedOrigins: ['https://a.example/path'] }, /allowedOrigins must hold origins/],
  ])('rejects a bad option with a sentence naming it (%#)', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(AuthConsentConfigError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});
