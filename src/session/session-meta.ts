import type { Request } from 'express';

/** The data key under which the module keeps a signed-in session's timing and client facts. */
export const AUTH_META_KEY = 'auth';

/** Data keys of the pre-login session that survive login and password change (the consent visitor link). */
export const SESSION_ALLOW_LIST = ['consent'] as const;

/** What the module stores about a signed-in session (times are ms since the epoch, from the Clock). */
export interface SessionAuthMeta {
  createdAt: number;
  lastSeenAt: number;
  absoluteExpiresAt: number;
  remember: boolean;
  ip?: string;
  userAgent?: string;
}

const UNAVAILABLE = Symbol('authConsentSessionUnavailable');
const LOADED = Symbol('authConsentSessionLoaded');

/** Marks a request whose session could not be loaded (store down): protected routes answer 503, never treat it as anonymous. */
export function markSessionUnavailable(req: Request): void {
  (req as unknown as Record<symbol, unknown>)[UNAVAILABLE] = true;
}

export function isSessionUnavailable(req: Request): boolean {
  return (req as unknown as Record<symbol, unknown>)[UNAVAILABLE] === true;
}

/** Which stored session (by ID) and which version of its propagated keys this request loaded. */
export interface LoadedSession {
  sessionId: string;
  version: string;
}

export function setLoadedSession(req: object, loaded: LoadedSession): void {
  (req as Record<symbol, unknown>)[LOADED] = loaded;
}

export function getLoadedSession(req: object | undefined): LoadedSession | undefined {
  return req ? ((req as Record<symbol, unknown>)[LOADED] as LoadedSession | undefined) : undefined;
}

export function authMetaOf(session: unknown): SessionAuthMeta | undefined {
  const meta = (session as Record<string, unknown> | undefined)?.[AUTH_META_KEY] as SessionAuthMeta | undefined;
  return meta && typeof meta.lastSeenAt === 'number' && typeof meta.absoluteExpiresAt === 'number' ? meta : undefined;
}
