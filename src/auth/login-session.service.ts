import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { SessionLimitError, SessionLimitException, SessionStoreUnavailableException } from '../session/session.exceptions.js';
import { AUTH_META_KEY, SESSION_ALLOW_LIST, type SessionAuthMeta } from '../session/session-meta.js';
import type { AuthUser } from './auth-user.js';
import { LoginListener } from './login-listener.js';

type SessionRecord = Record<string, unknown>;

/**
 * Puts a user into a session with a fresh session ID (Passport's `req.logIn` regenerates it: the old ID is
 * deleted from the store at once). Only the allow-listed pre-login data (the consent link) carries over.
 */
@Injectable()
export class LoginSessionService {
  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    private readonly clock: Clock,
    @Optional() private readonly listener?: LoginListener,
  ) {}

  /**
   * `remember` makes the cookie persistent with the remember-me timeouts. `keep` re-issues the ID of an
   * existing signed-in session (password change) without restarting its absolute lifetime.
   */
  async establish(req: Request, res: Response, user: AuthUser, opts: { remember?: boolean; keep?: SessionAuthMeta }): Promise<void> {
    const previous = (req.session ?? {}) as unknown as SessionRecord;
    const carried: SessionRecord = {};
    for (const key of SESSION_ALLOW_LIST) if (previous[key] !== undefined) carried[key] = previous[key];

    await this.store(req, () => new Promise<void>((resolve, reject) => req.logIn(user, { session: true, keepSessionInfo: false }, (err) => (err ? reject(err) : resolve()))));

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
    const session = req.session as unknown as SessionRecord;
    Object.assign(session, carried);
    session[AUTH_META_KEY] = meta;
    // A browser-session cookie has no Expires; a remembered one expires when the server-side session would.
    req.session.cookie.expires = remember ? new Date(Math.min(now + s.rememberIdleTimeoutMs, meta.absoluteExpiresAt)) : undefined;
    await this.store(req, () => new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve()))));

    if (this.listener) await this.listener.afterLogin(user, req, res);
    res.setHeader('Cache-Control', 'no-store');
  }

  private async store(req: Request, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      // Nothing of this login may be written back at the end of the request.
      (req as { session?: unknown }).session = undefined;
      if (err instanceof SessionLimitError) throw new SessionLimitException();
      throw new SessionStoreUnavailableException();
    }
  }
}
