import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { authMetaOf, markSessionUnavailable } from './session-meta.js';
import { ModulePassport } from './module-passport.js';
import { SESSION_STORE } from './session-store.provider.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * express-session, the server-side idle/absolute timeouts, then Passport's initialize and session; mounted
 * by the module so an app's main.ts needs nothing. A store failure never fails a public request: the
 * request goes on without a session and is marked, so guards answer 503 instead of treating it as anonymous.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly logger = new Logger(SessionMiddleware.name);
  private readonly session: RequestHandler;
  private readonly passportInit: RequestHandler;
  private readonly passportSession: RequestHandler;
  private readonly cookieName: string;
  /** `<name>=` as it appears in a Cookie header; a false positive only means the full path runs. */
  private readonly cookieMarker: string;
  private readonly touchIntervalMs: number;

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    @Inject(SESSION_STORE) store: session.Store,
    private readonly clock: Clock,
    modulePassport: ModulePassport,
  ) {
    const s = options.session;
    this.cookieName = s.cookieName;
    this.cookieMarker = `${s.cookieName}=`;
    // Sliding more rarely than half the idle timeout would let an active user time out.
    this.touchIntervalMs = Math.min(options.auth.touchIntervalMs, Math.floor(s.idleTimeoutMs / 2));
    this.session = session({
      name: s.cookieName,
      secret: s.secrets,
      store,
      resave: false,
      rolling: false,
      // No cookie and no store write until something is put in the session (a login).
      saveUninitialized: false,
      unset: 'keep',
      // No maxAge: a browser-session cookie unless the login asks to be remembered.
      cookie: { httpOnly: true, sameSite: 'lax', secure: s.cookieSecure, path: '/' },
    }) as RequestHandler;
    this.passportInit = modulePassport.instance.initialize() as RequestHandler;
    this.passportSession = modulePassport.instance.session() as RequestHandler;
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    // A GET/HEAD/OPTIONS without a session cookie has no session to load, and express-session would save
    // none (saveUninitialized: false): skip it and Passport. Anonymous page views then cost no session work.
    if (SAFE_METHODS.has(req.method) && !req.headers.cookie?.includes(this.cookieMarker)) {
      next();
      return;
    }
    this.noStoreWhenCookieIsSet(res);
    if (!(await this.run(this.session, req, res, 'load'))) {
      markSessionUnavailable(req);
      (req as { session?: unknown }).session = undefined;
    } else if (req.session) {
      try {
        await this.enforceTimeouts(req);
      } catch {
        markSessionUnavailable(req);
        (req as { session?: unknown }).session = undefined;
      }
    }
    await this.run(this.passportInit, req, res, 'passport');
    if (req.session && !(await this.run(this.passportSession, req, res, 'user'))) {
      // The user lookup failed (database down): same rule, never anonymous on a protected route.
      markSessionUnavailable(req);
    }
    next();
  }

  private async enforceTimeouts(req: Request): Promise<void> {
    const meta = authMetaOf(req.session);
    if (!meta) return;
    const now = this.clock.now();
    const idle = meta.remember ? this.options.session.rememberIdleTimeoutMs : this.options.session.idleTimeoutMs;
    if (now >= meta.lastSeenAt + idle || now >= meta.absoluteExpiresAt) {
      // Expired: delete it from the store and continue with a fresh, empty session.
      await new Promise<void>((resolve, reject) => req.session.regenerate((err: unknown) => (err ? reject(err) : resolve())));
      return;
    }
    if (now - meta.lastSeenAt >= this.touchIntervalMs) {
      // Changing the data makes express-session save it (one write) and, for a persistent cookie, resend it.
      meta.lastSeenAt = now;
      if (meta.remember) req.session.cookie.expires = new Date(Math.min(now + idle, meta.absoluteExpiresAt));
    }
  }

  /** Runs one connect-style handler; resolves false on error. Errors after it passed on (a failed write-back) are logged, not fatal. */
  private run(handler: RequestHandler, req: Request, res: Response, step: string): Promise<boolean> {
    return new Promise((resolve) => {
      let passed = false;
      handler(req, res, (err?: unknown) => {
        if (passed) {
          if (err) this.logger.warn(`Session ${step} failed after the response started: ${(err as Error)?.message ?? String(err)}`);
          return;
        }
        passed = true;
        if (err) this.logger.warn(`Session ${step} failed: ${(err as Error)?.message ?? String(err)}`);
        resolve(err === undefined || err === null);
      });
    });
  }

  /** Responses that set (or clear) the session cookie must not be cached by anything in between. */
  private noStoreWhenCookieIsSet(res: Response): void {
    const writeHead = res.writeHead;
    const prefix = `${this.cookieName}=`;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      const setCookie = res.getHeader('set-cookie');
      const cookies = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [String(setCookie)];
      if (cookies.some((c) => c.startsWith(prefix))) res.setHeader('Cache-Control', 'no-store');
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
  }
}
