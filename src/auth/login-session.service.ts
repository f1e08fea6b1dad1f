import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { SessionLimitError, SessionLimitException, SessionStoreUnavailableException } from '../session/session.exceptions.js';
import type { RequestSession } from '../session/request-session.js';
import { RequestSessions } from '../session/request-sessions.service.js';
import { SESSION_ALLOW_LIST, type SessionAuthMeta } from '../session/session-meta.js';
import type { AuthUser } from './auth-user.js';
import { LoginListener } from './login-listener.js';

/**
 * Puts a user into a session with a fresh session ID (the old ID is deleted from the store at once: no
 * fixation). Only the allow-listed pre-login data (the consent link) carries over.
 */
@Injectable()
export class LoginSessionService {
  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    private readonly clock: Clock,
    private readonly sessions: RequestSessions,
    @Optional() private readonly listener?: LoginListener,
  ) {}

  /**
   * `remember` makes the cookie persistent with the remember-me timeouts. `keep` re-issues the ID of an
   * existing signed-in session (password change) without restarting its absolute lifetime.
   */
  async establish(req: Request, res: Response, user: AuthUser, opts: { remember?: boolean; keep?: SessionAuthMeta }): Promise<void> {
    const current = this.sessions.current(req);
    if (!current) throw new SessionStoreUnavailableException();
    const previous = req.session ?? {};
    const carried: Record<string, unknown> = {};
    for (const key of SESSION_ALLOW_LIST) if (previous[key] !== undefined) carried[key] = previous[key];

    const session = await this.store(current, () => this.sessions.regenerate(req, current));

    const s = this.options.session;
    const now = this.clock.now();
    const remember = opts.keep ? opts.keep.remember : opts.remember === true;
    const meta: SessionAuthMeta = opts.keep
      ? { ...opts.keep, lastSeenAt: now }
      : {
          createdAt: now,
          lastSeenAt: now,
          absoluteExpiresAt: now + (remember ? s.rememberAbsoluteTimeoutMs : s.absoluteTimeoutMs),
          remember,
          ip: req.ip,
          userAgent: req.get('user-agent')?.slice(0, 256),
        };
    Object.assign(session.data, carried);
    // A browser-session cookie has no Expires; a remembered one expires when the server-side session would.
    this.sessions.signIn(session, user.id, meta);
    req.user = user;
    await this.store(session, () => this.sessions.commit(req, session));

    // A password change re-issues the ID of a session that is already signed in: not a login.
    if (this.listener && !opts.keep) {
      try {
        await this.listener.afterLogin(user, req, res);
      } catch (err) {
        // The login fails as a whole: the session just stored must not stay usable, nor its cookie go out.
        await this.sessions.destroy(session).catch(() => undefined);
        session.destroyed = true;
        req.user = undefined;
        throw err;
      }
    }
    res.setHeader('Cache-Control', 'no-store');
  }

  private async store<T>(session: RequestSession, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      // Nothing of this login may be written back at the end of the request, and no cookie sent.
      session.destroyed = true;
      if (err instanceof SessionLimitError) throw new SessionLimitException();
      throw new SessionStoreUnavailableException();
    }
  }
}
