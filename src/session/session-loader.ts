import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { attachRequestSession, installSessionAccessor, requestSessionOf } from './request-session.js';
import { RequestSessions } from './request-sessions.service.js';
import { markSessionUnavailable } from './session-meta.js';
import { SessionUserLoader } from './session-user.loader.js';

/**
 * The session stage of the module's middleware. A request with a well-signed session cookie gets its
 * session loaded (one store read) and the signed-in user on `req.user`; any other request gets nothing
 * until it touches `req.session`, which then yields a new, empty session (see {@link installOn}). A
 * changed session is written back before the response ends. A store failure never fails a public request:
 * it goes on without a session and is marked, so guards answer 503 instead of treating it as anonymous.
 */
@Injectable()
export class SessionLoader {
  private readonly logger = new Logger(SessionLoader.name);

  constructor(
    private readonly sessions: RequestSessions,
    private readonly users: SessionUserLoader,
  ) {}

  /**
   * Makes `req.session` of the app's requests a lazy accessor: a request that never touches its session
   * (most anonymous ones) costs no session object at all.
   */
  installOn(requestPrototype: object): void {
    installSessionAccessor(requestPrototype, (req) => this.sessions.current(req));
  }

  /** Undefined when the request carries no session cookie (nothing to wait for); otherwise settles, never rejects. */
  begin(req: Request): Promise<void> | undefined {
    const identity = this.sessions.identify(req.headers.cookie);
    if (identity === undefined) return undefined;
    return this.sessions.load(identity).then(
      (s) => {
        attachRequestSession(req, s);
        if (s.userId) return this.signIn(req, s.userId);
      },
      (err: unknown) => {
        this.logger.warn(`Session load failed: ${(err as Error)?.message ?? String(err)}`);
        markSessionUnavailable(req);
      },
    );
  }

  /** As the response's headers are written: issues the session cookie if the session needs it. */
  beforeHeaders(req: Request, res: Response, writeHeadArgs: unknown[]): void {
    const s = requestSessionOf(req);
    if (s) this.sessions.issueCookie(req, res, s, writeHeadArgs);
  }

  /** Before the response ends: a promise while a changed session is written back, otherwise undefined. */
  beforeEnd(req: Request, res: Response): Promise<void> | undefined {
    const s = requestSessionOf(req);
    const json = s && this.sessions.pendingWrite(req, s, res.headersSent);
    if (!s || json === undefined) return undefined;
    return this.sessions.write(s, json).catch((err: unknown) => {
      this.logger.warn(`Session write-back failed: ${(err as Error)?.message ?? String(err)}`);
      // A session that could not be stored must not get a cookie.
      if (!s.stored) s.destroyed = true;
    });
  }

  private signIn(req: Request, userId: string): Promise<void> | undefined {
    let user: object | null | Promise<object | null>;
    try {
      user = this.users.load(userId);
    } catch (err) {
      return this.userUnreadable(req, err);
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

  /** The user lookup failed (database down): same rule, never anonymous on a protected route. */
  private userUnreadable(req: Request, err: unknown): undefined {
    this.logger.warn(`Session user unreadable: ${(err as Error)?.message ?? String(err)}`);
    markSessionUnavailable(req);
    return undefined;
  }
}
