import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { LegacySessionMigrator } from './legacy-session.migrator.js';
import { newSessionId, randomTag } from './session-id.js';
import { markSessionUnavailable, sessionEndsAt } from './session-meta.js';
import { nextSessionTag } from './session-next-tag.js';
import { isLegacySession } from './session-store.core.js';
import { SESSION_STORE, type ModuleSessionStore } from './session-store.provider.js';
import { SessionUserLoader } from './session-user.loader.js';
import { SessionConflictError } from './session.exceptions.js';
import { passWriteHeadAsNodeReadsIt } from './session-cookie.headers.js';

/** On a request whose session express-session created on its first read (see SessionMiddleware.installOn). */
const LAZY_RAN = Symbol('authConsentLazySession');

/**
 * The session stage of the module's middleware: express-session, configured from the module's options
 * with the module's store, followed by what `passport.session()` would do (the signed-in user on
 * `req.user`, read through the active-user cache: no SQL on a signed-in read).
 *
 * A request without a session cookie does not run express-session until it first reads `req.session`
 * (an OAuth `state`, a guest cart, a login): most anonymous requests never pay for a session they do not use.
 * A store failure never fails a public request: it goes on without a session and is marked, so guards
 * answer 503 instead of treating the caller as anonymous.
 */
@Injectable()
export class SessionMiddleware {
  private readonly logger = new Logger(SessionMiddleware.name);
  /** The session cookie's name (`__Host-` prefixed when Secure). */
  readonly cookieName: string;
  /** The session cookie is Secure (finishSessionCookie adds the flag; see there why express-session does not). */
  readonly cookieSecure: boolean;
  private readonly expressSession: RequestHandler;
  /** `name=` as it appears in a Cookie header: a request without it carries no session. */
  private readonly marker: string;
  private readonly touchIntervalMs: number;

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    @Inject(SESSION_STORE) readonly store: ModuleSessionStore,
    private readonly users: SessionUserLoader,
    private readonly clock: Clock,
    private readonly legacy: LegacySessionMigrator,
  ) {
    const s = options.session;
    this.cookieName = s.cookieName;
    this.cookieSecure = s.cookieSecure;
    this.marker = `${s.cookieName}=`;
    // Sliding more rarely than half the idle timeout would let an active user time out.
    this.touchIntervalMs = Math.min(options.auth.touchIntervalMs, Math.floor(s.idleTimeoutMs / 2));
    this.expressSession = session({
      name: s.cookieName,
      secret: s.secrets,
      store,
      genid: (req) => newSessionId(nextSessionTag(req as Request) ?? randomTag()),
      resave: false,
      saveUninitialized: false,
      rolling: false,
      // A browser-session cookie; a remembered login sets its expiry (LoginSessionService). `Secure` is added
      // as headers are written (finishSessionCookie), so the cookie also goes out behind an untrusted TLS proxy.
      cookie: { path: '/', httpOnly: true, secure: false, sameSite: 'lax' },
    });
  }

  /** Calls `next` once the request's session (if it carries one) is loaded and its user resolved; never with an error. */
  use(req: Request, res: Response, next: () => void): void {
    if (Object.prototype.hasOwnProperty.call(req, 'session') && (req.sessionStore as unknown) !== this.store) {
      this.logger.error(this.conflictMessage());
      throw new SessionConflictError(this.conflictMessage());
    }
    const header = req.headers.cookie;
    // Without a session cookie there is nothing to load: express-session runs if the request reads req.session.
    if (header === undefined || !header.includes(this.marker)) {
      next();
      return;
    }
    // express-session's own first read of req.session must not start it a second time (installOn).
    (req as Request & { [LAZY_RAN]?: true })[LAZY_RAN] = true;
    this.expressSession(req, res, (err?: unknown) => {
      passWriteHeadAsNodeReadsIt(res);
      if (err) {
        this.logger.warn(`Session load failed: ${(err as Error)?.message ?? String(err)}`);
        markSessionUnavailable(req);
      }
      if (isLegacySession(req)) {
        this.legacy
          .move(req)
          .then(() => this.signedIn(req))
          .then(next);
        return;
      }
      const signingIn = this.signedIn(req);
      if (signingIn) signingIn.then(next);
      else next();
    });
  }

  /** The sentence a conflicting session middleware gets (at boot, or on the first request it shows up in). */
  conflictMessage(): string {
    return (
      'Another session middleware (express-session, cookie-session, …) is mounted besides AuthConsentModule, which mounts ' +
      "express-session with its own store: remove the app's own, and set cookie name, secrets and timeouts through the module's `session` options."
    );
  }

  /**
   * Makes express-session run on a request's first read of `req.session` when the request carried no
   * session cookie (see {@link use}): synchronously, since without a cookie it reads no store, so the app
   * sees express-session's Session as always. Installed once on the app's request prototype; express-session's
   * own `req.session = …` lands on the request itself.
   */
  installOn(requestPrototype: object): void {
    const run = this.expressSession;
    Object.defineProperty(requestPrototype, 'session', {
      configurable: true,
      get(this: Request & { [LAZY_RAN]?: true }) {
        // Once per request: after a destroy (`delete req.session`) a read is undefined, as with express-session.
        if (this[LAZY_RAN] || this.res === undefined) return undefined;
        this[LAZY_RAN] = true;
        run(this, this.res, noop);
        passWriteHeadAsNodeReadsIt(this.res);
        return Object.prototype.hasOwnProperty.call(this, 'session') ? this.session : undefined;
      },
      set(this: Request, value: unknown) {
        Object.defineProperty(this, 'session', { value, writable: true, configurable: true, enumerable: true });
      },
    });
  }

  /** `passport.session()`'s part: a signed-in session's user on `req.user`; slides the idle window when due. */
  private signedIn(req: Request): Promise<void> | undefined {
    const s = req.session;
    const meta = s?.authConsent;
    const userId = s?.passport?.user;
    if (!meta || typeof userId !== 'string') return undefined;
    const now = this.clock.now();
    if (now - meta.lastSeenAt >= this.touchIntervalMs) {
      // A changed session is saved when the response ends; a remembered cookie's expiry moves with it.
      meta.lastSeenAt = now;
      if (meta.remember) s!.cookie.expires = new Date(sessionEndsAt(meta, this.options.session));
    }
    let user: object | null | Promise<object | null>;
    try {
      user = this.users.load(userId);
    } catch (err) {
      this.userUnreadable(req, err);
      return undefined;
    }
    if (!(user instanceof Promise)) {
      if (user) req.user = user as Express.User;
      return undefined;
    }
    return user.then(
      (loaded) => {
        if (loaded) req.user = loaded as Express.User;
      },
      (err: unknown) => this.userUnreadable(req, err),
    );
  }

  /** The user lookup failed (database down): never anonymous on a protected route. */
  private userUnreadable(req: Request, err: unknown): void {
    this.logger.warn(`Session user unreadable: ${(err as Error)?.message ?? String(err)}`);
    markSessionUnavailable(req);
  }
}

function noop(): void {}
