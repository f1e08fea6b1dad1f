import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { CrossOriginRequestException } from './session.exceptions.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF protection without tokens, as Go 1.25's CrossOriginProtection does it: unsafe methods are refused
 * when `Sec-Fetch-Site` says cross-site or same-site, or when an `Origin` (including `null`) is neither the
 * request's own host nor in `allowedOrigins`. With neither header the client is not a browser and passes.
 * Login is covered too (login CSRF), since it is an unsafe request like any other.
 */
@Injectable()
export class CsrfCheck {
  private readonly allowed: Set<string>;

  constructor(@Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions) {
    this.allowed = new Set(options.allowedOrigins);
  }

  /** Throws {@link CrossOriginRequestException} (403) for a cross-origin unsafe request. */
  assert(req: Request): void {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    if (isCrossOrigin(req.method, req.headers, req.host, this.allowed)) throw new CrossOriginRequestException();
  }
}

/** The decision alone, for the table tests. `host` is the request's own host (with port). */
export function isCrossOrigin(
  method: string,
  headers: Record<string, string | string[] | undefined>,
  host: string | undefined,
  allowed: Set<string>,
): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const origin = typeof headers.origin === 'string' ? headers.origin : undefined;
  const allowedOrigin = origin !== undefined && allowed.has(origin);
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return false;
    return !allowedOrigin;
  }
  if (origin === undefined) return false;
  if (allowedOrigin) return false;
  try {
    const url = new URL(origin);
    return !(url.origin === origin && host !== undefined && url.host === host.toLowerCase());
  } catch {
    // `Origin: null` (sandboxed frames, some redirects) and garbage.
    return true;
  }
}
