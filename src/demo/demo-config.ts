import type { AuthConsentModuleOptions, ConsentCategory } from '../index.js';
import type { AuthConsentRoutes } from '../routes/routes.options.js';
import { demoRegions } from './demo-regions.js';
import { DEMO_TRANSLATIONS } from './demo-translations.js';

/** Environment variables of the demo app; `.env.example` documents each one. */
export type DemoEnv = Record<string, string | undefined>;

/** Every variable the demo reads (`.env.example` documents them), so a `.env` file read by @nestjs/config covers each one. */
export const DEMO_ENV_KEYS = [
  'PORT',
  'HOST',
  'NODE_ENV',
  'DATABASE_URL',
  'TABLE_PREFIX',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_WAIT_REPLICAS',
  'REDIS_PREFIX',
  'SESSION_SECRET',
  'SESSION_IDLE_TIMEOUT',
  'SESSION_ABSOLUTE_TIMEOUT',
  'SESSION_REMEMBER_IDLE_TIMEOUT',
  'SESSION_REMEMBER_ABSOLUTE_TIMEOUT',
  'COOKIE_SECURE',
  'ALLOWED_ORIGINS',
  'TRUST_PROXY',
  'CONSENT_POLICY_VERSION',
  'CONSENT_AUDIT_SECRET',
  'CONSENT_REGION_HEADER',
  'ADMIN_ROLE',
  'ADMIN_ENABLED',
  'ADMIN_PATH',
  'AUTH_PATH',
  'CONSENT_PATH',
  'BANNER_PATH',
  'HEALTH_PATH',
] as const;

/** The demo's variables as @nestjs/config's ConfigService sees them (the environment, then `.env`). */
export function demoEnvFrom(config: { get<T = string>(key: string): T | undefined }): DemoEnv {
  return Object.fromEntries(DEMO_ENV_KEYS.map((key) => [key, config.get<string>(key)]));
}

function bool(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${name} must be 'true' or 'false'; got '${value}'.`);
}

function trustProxy(value: string | undefined): boolean | number | string {
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The demo's four categories (docs/banner.md): each optional one covers one cookie that GET /demo/track tries to set. */
export const DEMO_CONSENT_CATEGORIES: ConsentCategory[] = [
  {
    key: 'necessary',
    name: 'Strictly necessary',
    description: 'Sign-in session and your consent choice.',
    required: true,
  },
  {
    key: 'preferences',
    name: 'Preferences',
    description: 'Remembers your display choices.',
    cookies: [{ name: 'demo_theme', purpose: 'Colour theme', duration: '1 year', provider: 'this site' }],
  },
  {
    key: 'analytics',
    name: 'Analytics',
    description: 'Counts visits to improve the site.',
    cookies: [{ name: 'demo_analytics', purpose: 'Visit statistics', duration: '1 year', provider: 'this site' }],
  },
  {
    key: 'marketing',
    name: 'Marketing',
    description: 'Personalised advertising.',
    gpcOptOut: true,
    cookies: [{ name: 'demo_ads', purpose: 'Advertising identifier', duration: '90 days', provider: 'this site' }],
  },
];

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The Redis topology: REDIS_URL (one node), REDIS_CLUSTER_NODES, or REDIS_SENTINELS with REDIS_SENTINEL_NAME. */
function redisFromEnv(env: DemoEnv): AuthConsentModuleOptions['redis'] {
  const waitForReplicas = env.REDIS_WAIT_REPLICAS ? Number(env.REDIS_WAIT_REPLICAS) : undefined;
  if (env.REDIS_CLUSTER_NODES) return { clusterNodes: list(env.REDIS_CLUSTER_NODES), waitForReplicas };
  if (env.REDIS_SENTINELS)
    return { sentinels: list(env.REDIS_SENTINELS), sentinelName: env.REDIS_SENTINEL_NAME ?? '', waitForReplicas };
  return env.REDIS_URL ? { url: env.REDIS_URL, waitForReplicas } : undefined;
}

/** Module options from the environment; an empty environment gives the embedded defaults (SQLite, in-process store). */
export function demoOptionsFromEnv(env: DemoEnv): AuthConsentModuleOptions {
  const secure = env.COOKIE_SECURE || 'auto';
  return {
    environment: env.NODE_ENV,
    redis: redisFromEnv(env),
    database: {
      url: env.DATABASE_URL || undefined,
      tablePrefix: env.TABLE_PREFIX === 'none' ? '' : env.TABLE_PREFIX || undefined,
    },
    session: {
      secret: env.SESSION_SECRET ? env.SESSION_SECRET.split(',').map((s) => s.trim()) : undefined,
      idleTimeout: env.SESSION_IDLE_TIMEOUT || undefined,
      absoluteTimeout: env.SESSION_ABSOLUTE_TIMEOUT || undefined,
      rememberIdleTimeout: env.SESSION_REMEMBER_IDLE_TIMEOUT || undefined,
      rememberAbsoluteTimeout: env.SESSION_REMEMBER_ABSOLUTE_TIMEOUT || undefined,
      cookieSecure: secure === 'auto' ? 'auto' : bool('COOKIE_SECURE', secure),
      redisPrefix: env.REDIS_PREFIX || undefined,
    },
    allowedOrigins: env.ALLOWED_ORIGINS
      ? env.ALLOWED_ORIGINS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    trustProxy: trustProxy(env.TRUST_PROXY),
    consent: {
      categories: DEMO_CONSENT_CATEGORIES,
      translations: DEMO_TRANSLATIONS,
      policyVersion: env.CONSENT_POLICY_VERSION || undefined,
      auditSecret: env.CONSENT_AUDIT_SECRET || undefined,
      regions: demoRegions(env.CONSENT_REGION_HEADER || undefined),
    },
    adminRole: env.ADMIN_ROLE || undefined,
  };
}

/**
 * Where the module's routes go (`routes` on the forRoot call, a module-shape option): AUTH_PATH, CONSENT_PATH,
 * BANNER_PATH, HEALTH_PATH, ADMIN_PATH, each a path or `false` for none; ADMIN_ENABLED=false also removes the admin routes.
 */
export function demoRouteExtrasFromEnv(env: DemoEnv): { routes: AuthConsentRoutes } {
  const path = (value: string | undefined): string | false | undefined =>
    value === undefined || value === '' ? undefined : value === 'false' ? false : value;
  const admin = bool('ADMIN_ENABLED', env.ADMIN_ENABLED || 'true') ? path(env.ADMIN_PATH) : false;
  return {
    routes: {
      auth: path(env.AUTH_PATH),
      consent: path(env.CONSENT_PATH),
      banner: path(env.BANNER_PATH),
      health: path(env.HEALTH_PATH),
      admin,
    },
  };
}
