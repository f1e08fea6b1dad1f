import { randomBytes } from 'node:crypto';
import type { RedisClientType, RedisClusterType, RedisSentinelType } from 'redis';
import type { DataSource } from 'typeorm';
import { parseDuration, type Duration } from './common/duration.js';
import { AuthConsentConfigError } from './auth-consent.exceptions.js';
import { DEFAULT_DATABASE_URL, driverOf } from './database/database-url.js';
import { DEFAULT_TABLE_PREFIX } from './database/table-prefix.js';
import { resolveDatabaseTimeouts, type DatabaseTimeouts } from './database/database-timeouts.js';
import { resolveAuthOptions, type AuthOptions, type ResolvedAuthOptions } from './auth/auth.options.js';
import { resolveConsentOptions, type ConsentOptions, type ResolvedConsentOptions } from './consent/consent.options.js';
import { resolveAdminRole } from './admin/admin.options.js';

/** Options of {@link AuthConsentModule}, as given to `forRoot` or returned by `forRootAsync`'s factory. */
export interface AuthConsentModuleOptions {
  /**
   * Redis for sessions and throttling: `{ url }`, a Redis Cluster's `{ clusterNodes: ['host:port', …] }` or
   * Redis Sentinel's `{ sentinels: ['host:port', …], sentinelName }`, which the module connects to and closes;
   * or `{ client }`, a node-redis client the app owns and connects (`createClient()`, `createCluster()`,
   * `createSentinel()`). Required in production; omitted, an in-process store (development only), with a warning.
   */
  redis?: RedisConnection & RedisDurability;
  /** The SQL database for users and consent. Default: `sqlite:data/app.sqlite`. */
  database?: DatabaseOptions;
  /** Session cookie and timeouts. */
  session?: SessionOptions;
  /** Extra origins allowed to send unsafe (POST/PUT/PATCH/DELETE) requests. Default: none. */
  allowedOrigins?: string[];
  /** Express `trust proxy` setting, applied by the module. Default: `false`. */
  trustProxy?: boolean | number | string;
  /** `'production'` makes Redis and a session secret mandatory. Default: `process.env.NODE_ENV`. */
  environment?: string;
  /** Login: password hashing, throttling. */
  auth?: AuthOptions;
  /** Consent: categories, policy, gate, audit. */
  consent?: ConsentOptions;
  /** The role a signed-in user needs for the admin routes. Default `'admin'`. */
  adminRole?: string;
}

/**
 * How the module reaches Redis: a URL, a Redis Cluster's nodes or Redis Sentinel's (each `host:port`), which
 * the module connects to and closes; or a node-redis client the app owns and connects.
 */
export type RedisConnection =
  | { url: string }
  | { clusterNodes: string[] }
  | { sentinels: string[]; sentinelName: string }
  | { client: RedisClientType | RedisClusterType | RedisSentinelType };

export interface RedisDurability {
  /**
   * Replicas that must have a sign-in's new session and every revocation before the module answers
   * (`WAIT n` after the write, on the key's node): a failover then never loses one. `0` (default) waits for
   * none; set 1 with Sentinel or a Cluster with replicas. A write not replicated in time answers 503.
   */
  waitForReplicas?: number;
}

export interface DatabaseOptions {
  /** `postgres://…`, `mysql://…`, `mariadb://…` or `sqlite:<path>`. Default: `sqlite:data/app.sqlite`. */
  url?: string;
  /**
   * Instead of `url`: an initialized TypeORM DataSource of the app (such as `@nestjs/typeorm`'s, injected with
   * `getDataSourceToken()`). The module uses its connections for its own tables and its own migrations table,
   * sets its time limits per transaction (`SET LOCAL`), and never closes it.
   */
  dataSource?: DataSource;
  /**
   * Prefix of every table the module creates, migrations table included. Default: `'auth_consent_'`; `''`
   * keeps the unprefixed names of installs made before the default changed.
   */
  tablePrefix?: string;
  /** Run pending migrations at start. Default: `true`. */
  migrationsRun?: boolean;
  /** Log SQL. Default: `false`. */
  logging?: boolean;
  /**
   * The longest one SQL statement may run; past it the request answers 503 (details per database under
   * "Database time limits" below). Default `'1500ms'`.
   */
  statementTimeout?: Duration;
  /** The longest opening a connection (PostgreSQL: or waiting for a free pooled one) may take. Default `'2s'`. */
  connectTimeout?: Duration;
}

export interface SessionOptions {
  /** One or more secrets; the first signs, all verify (rotation). Required in production; otherwise random per start. */
  secret?: string | string[];
  /** A session unused this long ends. Default `'30m'`. */
  idleTimeout?: Duration;
  /** Lifetime from login. Default `'12h'`. */
  absoluteTimeout?: Duration;
  /** Idle timeout of "remember me" sessions. Default `'7d'`. */
  rememberIdleTimeout?: Duration;
  /** Absolute lifetime of "remember me" sessions. Default `'30d'`. */
  rememberAbsoluteTimeout?: Duration;
  /** Cookie name (`connect.sid` to keep express-session's); `__Host-` is prefixed when the cookie is Secure. Default `'sid'`. */
  cookieName?: string;
  /** `true`, `false` or `'auto'` (Secure when the environment is production). Default `'auto'`. */
  cookieSecure?: boolean | 'auto';
  /** Key prefix in Redis (no `{` or `}`: keys carry a Redis Cluster hash tag after it). Default `'ac:'`. */
  redisPrefix?: string;
  /**
   * Keys of the pre-login session that survive login (a guest cart, a return URL); `consent` always does.
   * Everything else is dropped when the session ID is regenerated. Default `[]`.
   */
  keepOnLogin?: string[];
  /**
   * Moving from express-session + connect-redis: the connect-redis prefix its sessions were written under
   * (its default is `'sess:'`). A session found only there is read once, moved into the module's layout
   * under a new session ID (still signed in), and deleted. Needs `redis`, the same secret and cookie name.
   */
  legacyPrefix?: string;
}

/** `database` after defaults: either `url` (the module opens and closes its DataSource) or the app's `dataSource`. */
export interface ResolvedDatabaseOptions {
  /** The URL the module connects to; `undefined` with `dataSource`. */
  url: string | undefined;
  /** The app's DataSource, which the module shares and never closes. */
  dataSource: DataSource | undefined;
  tablePrefix: string;
  /** `tablePrefix` was left to its default (an unprefixed install from before the default is then refused at boot). */
  tablePrefixDefaulted: boolean;
  migrationsRun: boolean;
  logging: boolean;
  timeouts: DatabaseTimeouts;
}

/** Options after defaults are merged and validated: what the module's services read. */
export interface ResolvedAuthConsentOptions {
  production: boolean;
  redis: (RedisConnection & { waitForReplicas: number }) | undefined;
  database: ResolvedDatabaseOptions;
  session: {
    secrets: string[];
    idleTimeoutMs: number;
    absoluteTimeoutMs: number;
    rememberIdleTimeoutMs: number;
    rememberAbsoluteTimeoutMs: number;
    cookieName: string;
    cookieSecure: boolean;
    redisPrefix: string;
    keepOnLogin: string[];
    legacyPrefix: string | undefined;
  };
  allowedOrigins: string[];
  trustProxy: boolean | number | string;
  auth: ResolvedAuthOptions;
  consent: ResolvedConsentOptions;
  adminRole: string;
  /** Development fallbacks in use, logged once when the module starts. */
  warnings: string[];
}

function fail(message: string): never {
  throw new AuthConsentConfigError(message);
}

function duration(name: string, value: Duration | undefined, fallback: Duration): number {
  const ms = parseDuration(value ?? fallback);
  return (
    ms ??
    fail(
      `${name} must be a positive duration such as '30m', '12h' or a number of milliseconds; got ${JSON.stringify(value)}.`,
    )
  );
}

/** Merges the defaults into the options and validates them; a bad option throws one sentence naming it and the fix. */
export function resolveOptions(options: AuthConsentModuleOptions = {}): ResolvedAuthConsentOptions {
  if (typeof options !== 'object' || options === null) fail('AuthConsentModule options must be an object.');
  // Route paths shape the module: they are read from the forRoot / forRootAsync call, before any factory runs.
  for (const extra of ['routes', 'adminPath'] as const) {
    if (extra in options)
      fail(
        `${extra} goes on the forRoot / forRootAsync call itself (beside useFactory), not in the options the factory returns.`,
      );
  }
  const production = (options.environment ?? process.env.NODE_ENV) === 'production';
  const warnings: string[] = [];

  const redis = options.redis;
  if (redis !== undefined) {
    const hostPorts = (name: string, list: unknown) => {
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        list.some((n) => typeof n !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(n))
      ) {
        fail(`${name} must be a non-empty list of host:port; got ${JSON.stringify(list)}.`);
      }
    };
    if ('url' in redis && redis.url !== undefined) {
      if (!/^rediss?:\/\//.test(redis.url))
        fail(`redis.url must start with redis:// or rediss://; got '${redis.url.split(':')[0]}:…'.`);
    } else if ('clusterNodes' in redis) {
      hostPorts('redis.clusterNodes', redis.clusterNodes);
    } else if ('sentinels' in redis) {
      hostPorts('redis.sentinels', redis.sentinels);
      if (typeof redis.sentinelName !== 'string' || redis.sentinelName === '')
        fail('redis.sentinelName must name the primary the sentinels watch (their `sentinel monitor <name>`).');
    } else if (!('client' in redis) || typeof redis.client?.sendCommand !== 'function') {
      fail(
        'redis must be { url }, { clusterNodes }, { sentinels, sentinelName } or { client } with a node-redis client; remove it to use the in-process store in development.',
      );
    } else {
      const client = redis.client as unknown as Record<string, unknown>;
      if (typeof client.status === 'string' && !('isOpen' in client)) {
        fail(
          "redis.client is an ioredis client; the module and connect-redis 9 need node-redis: pass `createClient({ url })` from 'redis' (or { url }).",
        );
      }
    }
    if (
      redis.waitForReplicas !== undefined &&
      !(Number.isInteger(redis.waitForReplicas) && redis.waitForReplicas >= 0 && redis.waitForReplicas <= 5)
    ) {
      fail(
        `redis.waitForReplicas must be a whole number from 0 to 5 (replicas that must have a sign-in or a revocation); got ${JSON.stringify(redis.waitForReplicas)}.`,
      );
    }
  } else if (production) {
    fail(
      'redis is required in production (set REDIS_URL): the in-process session store loses sessions on restart and is not shared between instances.',
    );
  } else {
    warnings.push('No Redis configured: sessions are kept in process memory (development only).');
  }

  const db = options.database ?? {};
  const dataSource = db.dataSource;
  let url: string | undefined;
  if (dataSource !== undefined) {
    if (db.url)
      fail("database takes either url or dataSource, not both: remove database.url to share the app's DataSource.");
    checkSharedDataSource(dataSource);
  } else {
    url = db.url || DEFAULT_DATABASE_URL;
    if (!driverOf(url))
      fail(
        `database.url has an unknown scheme in '${url.split(':')[0]}:…'; use postgres://, mysql://, mariadb:// or sqlite:<path>.`,
      );
  }
  const tablePrefix = db.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (typeof tablePrefix !== 'string' || !/^[a-z0-9_]{0,32}$/i.test(tablePrefix))
    fail(`database.tablePrefix must be letters, digits or _ (at most 32); got '${String(tablePrefix)}'.`);

  const s = options.session ?? {};
  let secrets = s.secret === undefined ? [] : Array.isArray(s.secret) ? s.secret : [s.secret];
  if (secrets.some((x) => typeof x !== 'string' || x.length < 32)) {
    fail(
      'session.secret must be one or more strings of at least 32 characters (generate one with `openssl rand -base64 48`).',
    );
  }
  if (secrets.length === 0) {
    if (production)
      fail('session.secret is required in production (set SESSION_SECRET to at least 32 random characters).');
    warnings.push('No session secret configured: a random one is used, so sessions end when the process restarts.');
    secrets = [randomBytes(48).toString('base64url')];
  }
  const cookieSecureOpt = s.cookieSecure ?? 'auto';
  if (cookieSecureOpt !== 'auto' && typeof cookieSecureOpt !== 'boolean')
    fail(`session.cookieSecure must be true, false or 'auto'; got ${JSON.stringify(cookieSecureOpt)}.`);
  const cookieSecure = cookieSecureOpt === 'auto' ? production : cookieSecureOpt;
  const baseName = s.cookieName ?? 'sid';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(baseName))
    fail(`session.cookieName must be 1-64 letters, digits, '.', '_' or '-'; got '${baseName}'.`);

  const session = {
    secrets,
    idleTimeoutMs: duration('session.idleTimeout', s.idleTimeout, '30m'),
    absoluteTimeoutMs: duration('session.absoluteTimeout', s.absoluteTimeout, '12h'),
    rememberIdleTimeoutMs: duration('session.rememberIdleTimeout', s.rememberIdleTimeout, '7d'),
    rememberAbsoluteTimeoutMs: duration('session.rememberAbsoluteTimeout', s.rememberAbsoluteTimeout, '30d'),
    // __Host- binds the cookie to this host and path / and requires Secure: no subdomain can plant it.
    cookieName: cookieSecure ? `__Host-${baseName}` : baseName,
    cookieSecure,
    redisPrefix: s.redisPrefix ?? 'ac:',
    keepOnLogin: s.keepOnLogin ?? [],
    legacyPrefix: s.legacyPrefix,
  };
  if (session.legacyPrefix !== undefined) {
    if (
      typeof session.legacyPrefix !== 'string' ||
      session.legacyPrefix === '' ||
      session.legacyPrefix.startsWith(session.redisPrefix)
    ) {
      fail(
        `session.legacyPrefix must be the connect-redis prefix of the old sessions (such as 'sess:'), outside session.redisPrefix; got ${JSON.stringify(session.legacyPrefix)}.`,
      );
    }
    if (!redis) fail('session.legacyPrefix needs redis: the old sessions are read from it.');
  }
  if (typeof session.redisPrefix !== 'string' || /[{}]/.test(session.redisPrefix))
    fail(
      `session.redisPrefix must be a string without '{' or '}' (keys carry a hash tag after it); got ${JSON.stringify(session.redisPrefix)}.`,
    );
  if (
    !Array.isArray(session.keepOnLogin) ||
    session.keepOnLogin.some(
      (k) => typeof k !== 'string' || k === '' || k === 'cookie' || k === 'passport' || k === 'authConsent',
    )
  ) {
    fail("session.keepOnLogin must be a list of session keys (not 'cookie', 'passport' or 'authConsent').");
  }
  if (session.idleTimeoutMs > session.absoluteTimeoutMs)
    fail('session.idleTimeout must not exceed session.absoluteTimeout.');
  if (session.rememberIdleTimeoutMs > session.rememberAbsoluteTimeoutMs)
    fail('session.rememberIdleTimeout must not exceed session.rememberAbsoluteTimeout.');

  const allowedOrigins = options.allowedOrigins ?? [];
  for (const origin of allowedOrigins) {
    let ok: boolean;
    try {
      ok = new URL(origin).origin === origin;
    } catch {
      ok = false;
    }
    if (!ok)
      fail(
        `allowedOrigins must hold origins such as 'https://app.example.com' (scheme, host, optional port, no path); got '${origin}'.`,
      );
  }

  return {
    production,
    redis: redis && ({ ...redis, waitForReplicas: redis.waitForReplicas ?? 0 } as ResolvedAuthConsentOptions['redis']),
    database: {
      url,
      dataSource,
      tablePrefix,
      tablePrefixDefaulted: db.tablePrefix === undefined,
      migrationsRun: db.migrationsRun ?? true,
      logging: db.logging ?? false,
      timeouts: resolveDatabaseTimeouts(db),
    },
    session,
    allowedOrigins,
    trustProxy: options.trustProxy ?? false,
    auth: resolveAuthOptions(options.auth, { production }),
    consent: resolveConsentOptions(options.consent),
    adminRole: resolveAdminRole(options.adminRole),
    warnings,
  };
}

/** `database.dataSource`: an initialized TypeORM DataSource on a database the module supports. */
function checkSharedDataSource(dataSource: unknown): void {
  const ds = dataSource as Partial<DataSource> | null;
  if (!ds || typeof ds !== 'object' || typeof ds.createQueryRunner !== 'function' || !ds.options || !ds.driver) {
    fail(
      'database.dataSource must be an initialized TypeORM DataSource (such as the one `getDataSourceToken()` gives with @nestjs/typeorm).',
    );
  }
  if (!ds.isInitialized)
    fail(
      'database.dataSource must be an initialized TypeORM DataSource; call `await dataSource.initialize()` first, or inject the one @nestjs/typeorm initialized.',
    );
  const type = ds.options.type;
  if (type !== 'postgres' && type !== 'mysql' && type !== 'mariadb' && type !== 'better-sqlite3') {
    fail(`database.dataSource must be a postgres, mysql, mariadb or better-sqlite3 DataSource; got '${String(type)}'.`);
  }
}
