import { AuthConsentConfigError } from '../auth-consent.exceptions.js';

/** The module's route groups, each mounted under a path of its own (option `routes`). */
export const ROUTE_GROUPS = ['auth', 'consent', 'banner', 'health', 'admin'] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

/**
 * Where each group of the module's routes is mounted (`routes` on the forRoot / forRootAsync call): a path
 * prefix such as `'/auth'` or `'/api/auth'`, or `false` to mount none of the group's routes.
 */
export interface AuthConsentRoutes {
  /** `POST <auth>/login`, `/logout`, `/password`, `GET <auth>/me`, `<auth>/sessions`. Default `'/auth'`. */
  auth?: string | false;
  /** The banner's API: `GET|PUT|DELETE <consent>`, `<consent>/config`, `/history`, `/export`. Default `'/consent'`. */
  consent?: string | false;
  /** `GET <banner>/banner.js`, the banner script. Default: the consent path (`'/consent'`). */
  banner?: string | false;
  /** `GET <health>`. Default `'/health'`. */
  health?: string | false;
  /** The admin routes: `<admin>/consent/…`, `<admin>/users…`, `<admin>/sessions/…`, `<admin>/audit`. Default `'/admin'`. */
  admin?: string | false;
}

/** Each group's path (a leading `/`, no trailing one), or `false` when it is not mounted. */
export type ResolvedRoutes = Record<RouteGroup, string | false>;

/** What of the forRoot / forRootAsync extras decides the routes (`admin` and `adminPath` are the deprecated spellings of `routes.admin`). */
export interface RouteExtras {
  routes?: AuthConsentRoutes;
  admin?: boolean;
  adminPath?: string;
}

export const DEFAULT_ROUTES: Readonly<ResolvedRoutes> = {
  auth: '/auth',
  consent: '/consent',
  banner: '/consent',
  health: '/health',
  admin: '/admin',
};

const SEGMENT = /^[A-Za-z0-9_.~-]+$/;

function fail(message: string): never {
  throw new AuthConsentConfigError(message);
}

/** A path option as given ('auth', '/auth', '/api/auth/') → '/auth', '/api/auth'; undefined when it is not a plain path. */
function normalizePath(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const segments = value.replace(/^\/+|\/+$/g, '').split('/');
  if (segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) return undefined;
  return `/${segments.join('/')}`;
}

/**
 * Validates `routes` (and the deprecated `admin` / `adminPath`) and merges the defaults; a bad value throws
 * AuthConsentConfigError naming the option. Called when forRoot / forRootAsync is called: the paths shape the
 * module, so a bad one stops the app before any route is mapped.
 */
export function resolveRoutes(extras: RouteExtras = {}): ResolvedRoutes {
  const given = extras.routes ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    fail(`routes must be an object such as { auth: '/auth', health: false }; got ${JSON.stringify(given)}.`);
  }
  for (const key of Object.keys(given)) {
    if (!(ROUTE_GROUPS as readonly string[]).includes(key))
      fail(`routes.${key} is not a route group; the groups are ${ROUTE_GROUPS.join(', ')}.`);
  }
  const resolved = { ...DEFAULT_ROUTES };
  for (const group of ROUTE_GROUPS) {
    const value = (given as Record<string, unknown>)[group];
    if (value === undefined) continue;
    if (value === false) {
      resolved[group] = false;
      continue;
    }
    resolved[group] =
      normalizePath(value) ??
      fail(
        `routes.${group} must be a path such as '${DEFAULT_ROUTES[group]}' or '/api${DEFAULT_ROUTES[group]}' (letters, digits, _ . ~ -, no parameters), or false to mount none of its routes; got ${JSON.stringify(value)}.`,
      );
  }
  if ((given as Record<string, unknown>).banner === undefined)
    resolved.banner = resolved.consent === false ? DEFAULT_ROUTES.banner : resolved.consent;

  // The earlier spellings of routes.admin: admin (false mounts none) and adminPath.
  if (extras.admin !== undefined && typeof extras.admin !== 'boolean')
    fail(`admin must be true or false (prefer routes.admin: false); got ${JSON.stringify(extras.admin)}.`);
  if (extras.adminPath !== undefined || extras.admin === false) {
    if (given.admin !== undefined)
      fail('Give routes.admin alone: adminPath and admin are its older spellings, and both were given.');
    if (extras.adminPath !== undefined) {
      resolved.admin =
        normalizePath(extras.adminPath) ??
        fail(
          `adminPath must be a route path such as 'admin' or 'internal/admin' (prefer routes.admin); got ${JSON.stringify(extras.adminPath)}.`,
        );
    }
    if (extras.admin === false) resolved.admin = false;
  }
  return resolved;
}

/** A controller's path under a group: `routes.admin` '/admin' + 'consent' → 'admin/consent'. */
export function joinRoute(base: string, sub: string): string {
  return [base.replace(/^\/+/, ''), sub].filter(Boolean).join('/');
}
