import type { Request } from 'express';

/** What the module stores about a signed-in session (times are ms since the epoch, from the Clock). */
export interface SessionAuthMeta {
  createdAt: number;
  lastSeenAt: number;
  absoluteExpiresAt: number;
  remember: boolean;
  ip?: string;
  userAgent?: string;
}

/** The login facts of a session signed in now (remembered or not), from the request's client. */
export function newLoginMeta(
  req: Request,
  now: number,
  remember: boolean,
  timeouts: { absoluteTimeoutMs: number; rememberAbsoluteTimeoutMs: number },
): SessionAuthMeta {
  return {
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: now + (remember ? timeouts.rememberAbsoluteTimeoutMs : timeouts.absoluteTimeoutMs),
    remember,
    ip: req.ip,
    userAgent: req.get('user-agent')?.slice(0, 256),
  };
}

/** The session timeouts that decide when a signed-in session ends. */
export interface SessionTimeouts {
  idleTimeoutMs: number;
  rememberIdleTimeoutMs: number;
}

export function idleTimeoutOf(meta: SessionAuthMeta, timeouts: SessionTimeouts): number {
  return meta.remember ? timeouts.rememberIdleTimeoutMs : timeouts.idleTimeoutMs;
}

/** When a signed-in session ends if nothing slides it: idle or absolute, whichever comes first. */
export function sessionEndsAt(meta: SessionAuthMeta, timeouts: SessionTimeouts): number {
  return Math.min(meta.lastSeenAt + idleTimeoutOf(meta, timeouts), meta.absoluteExpiresAt);
}

const UNAVAILABLE = Symbol('authConsentSessionUnavailable');

/** Marks a request whose session could not be loaded (store down): protected routes answer 503, never treat it as anonymous. */
export function markSessionUnavailable(req: Request): void {
  (req as unknown as Record<symbol, unknown>)[UNAVAILABLE] = true;
}

export function isSessionUnavailable(req: Request): boolean {
  return (req as unknown as Record<symbol, unknown>)[UNAVAILABLE] === true;
}
