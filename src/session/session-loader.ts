import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { attachRequestSession, RequestSession, requestSessionOf } from './request-session.js';
import { RequestSessions } from './request-sessions.service.js';
import { markSessionUnavailable } from './session-meta.js';
import { SessionUserLoader } from './session-user.loader.js';

type Writer = (...args: unknown[]) => unknown;

/**
 * The session stage of the module's middleware. Loads the request's session (one store read when the
 * request carries a well-signed session cookie, none otherwise), puts the signed-in user on `req.user`, and
 * writes the session back before the response ends if it changed. A store failure never fails a public
 * request: it goes on without a session and is marked, so guards answer 503 instead of treating it as anonymous.
 */
@Injectable()
export class SessionLoader {
  private readonly logger = new Logger(SessionLoader.name);

  constructor(
    private readonly sessions: RequestSessions,
    private readonly users: SessionUserLoader,
  ) {}

  /** Undefined when the request has no session to load (nothing to wait for); otherwise settles, never rejects. */
  begin(req: Request, res: Response): Promise<void> | undefined {
    const id = this.sessions.cookie.read(req.headers.cookie);
    if (id === undefined) {
      this.attach(req, res, new RequestSession({}));
      return undefined;
    }
    return this.sessions.load(id).then(
      (s) => {
        this.attach(req, res, s);
        if (s.userId) return this.signIn(req, s.userId);
      },
      (err: unknown) => {
        this.logger.warn(`Session load failed: ${(err as Error)?.message ?? String(err)}`);
        markSessionUnavailable(req);
      },
    );
  }

  /** Called as the response's headers are written: issues the session cookie if the session needs it. */
  beforeHeaders(req: Request, res: Response): void {
    const s = requestSessionOf(req);
    if (s) this.sessions.issueCookie(res, s);
  }

  private async signIn(req: Request, userId: string): Promise<void> {
    try {
      const user = await this.users.load(userId);
      if (user) req.user = user as Express.User;
    } catch (err) {
      // The user lookup failed (database down): same rule, never anonymous on a protected route.
      this.logger.warn(`Session user unreadable: ${(err as Error)?.message ?? String(err)}`);
      markSessionUnavailable(req);
    }
  }

  /** Attaches the session and hooks the response's end: a changed session is written back before it. */
  private attach(req: Request, res: Response, s: RequestSession): void {
    attachRequestSession(req, s);
    const sessions = this.sessions;
    const logger = this.logger;
    const end = res.end as unknown as Writer;
    (res as unknown as { end: Writer }).end = function (this: Response, ...args: unknown[]) {
      const current = requestSessionOf(req);
      const json = current && sessions.pendingWrite(req, current, res.headersSent);
      if (!current || json === undefined) return end.apply(this, args);
      sessions.write(current, json).then(
        () => end.apply(this, args),
        (err: unknown) => {
          logger.warn(`Session write-back failed: ${(err as Error)?.message ?? String(err)}`);
          // A session that could not be stored must not get a cookie.
          if (!current.stored) current.destroyed = true;
          end.apply(this, args);
        },
      );
      return this;
    };
  }
}
