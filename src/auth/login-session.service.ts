import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Session, Store } from 'express-session';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { promised } from '../common/promised.js';
import { UserTags } from '../session/session-id.js';
import { isSessionUnavailable, newLoginMeta, sessionEndsAt, type SessionAuthMeta } from '../session/session-meta.js';
import { setNextSessionTag } from '../session/session-next-tag.js';
import { SessionService } from '../session/session.service.js';
import { setLoginEpoch, storedSessionId } from '../session/session-store.core.js';
import {
  LoginRefusedException,
  SessionLimitError,
  SessionLimitException,
  SessionStoreUnavailableException,
  StaleLoginError,
} from '../session/session.exceptions.js';
import type { AuthUser } from './auth-user.js';
import { toAuthUser } from './auth.service.js';
import { LastSignInRecorder } from './last-sign-in.recorder.js';
import { LoginListener } from './login.listener.js';
import { UserStore } from './user.store.js';

/** Pre-login keys that always survive login: the consent feature's link to the visitor's decision. */
const ALWAYS_KEPT = ['consent'];

export interface LogInOptions {
  /** A persistent cookie with the remember-me timeouts. Default `false`. */
  remember?: boolean;
  /** Internal: the password stamp the login verified; the login is refused when the password changed since. */
  passwordChangedAt?: number;
  /** Internal: the user's epoch as read before the credentials were checked (else it is read now). */
  epoch?: string;
  /** Internal: the user as read after `epoch` (enabled, its password verified): not read again. */
  current?: AuthUser;
}

/**
 * Signs users into express-session sessions. Every login goes through {@link logIn}: the module's own
 * `POST /auth/login`, Passport's `req.logIn` (the NestJS docs recipe, OAuth2/OIDC strategies), and apps
 * that authenticate a user themselves.
 */
@Injectable()
export class LoginSessionService {
  private readonly logger = new Logger(LoginSessionService.name);
  private readonly kept: string[];
  private listener: LoginListener | undefined;

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    private readonly clock: Clock,
    private readonly sessions: SessionService,
    private readonly users: UserStore,
    private readonly tags: UserTags,
    private readonly lastSignIns: LastSignInRecorder,
  ) {
    this.kept = [...new Set([...ALWAYS_KEPT, ...options.session.keepOnLogin])];
  }

  /** Internal: AuthConsentModule binds the consent feature's listener (or an app's override of `LoginListener`). */
  listenWith(listener: LoginListener): void {
    this.listener = listener;
  }

  /**
   * Signs `user` (found by its ID through the UserStore) into the request's session: a new session ID (the
   * old one is dead in the store at once), the pre-login keys in `session.keepOnLogin` and the consent link
   * carried over, the session indexed for the user, its timeouts started, and the LoginListener run. Stored
   * before this resolves. 401 ({@link LoginRefusedException}) when the user is unknown or disabled, or all
   * of the user's sessions were revoked while this ran; 409 at the session limit (`refuse` policy); 503
   * when the session store is down.
   */
  async logIn(req: Request, user: { id: string }, options: LogInOptions = {}): Promise<AuthUser> {
    if (isSessionUnavailable(req) || !req.session) throw new SessionStoreUnavailableException();
    // The epoch is read before the user: a revocation that follows the read is seen by the store's check.
    const epoch = options.epoch ?? (await this.sessions.epochOf(user.id));
    // A disable or password change after that read moves the epoch, and the store refuses the session.
    const signedIn =
      options.epoch !== undefined && options.current?.id === user.id
        ? options.current
        : await this.currentUser(user.id, options);
    await this.establish(req, signedIn, { remember: options.remember === true, epoch });
    // The last sign-in (admin user search), once the login stands: written in batches, never failing a login.
    this.lastSignIns.record(signedIn.id, new Date(this.clock.now()));
    return signedIn;
  }

  /** The user read now: 401 when unknown, disabled, or its password changed since `passwordChangedAt`. */
  private async currentUser(id: string, options: LogInOptions): Promise<AuthUser> {
    const stored = await this.users.findById(id);
    if (!stored || stored.disabled) throw new LoginRefusedException();
    if (options.passwordChangedAt !== undefined && stored.passwordChangedAt.getTime() !== options.passwordChangedAt)
      throw new LoginRefusedException();
    return toAuthUser(stored);
  }

  /**
   * After a sign-out (`POST /auth/logout`, Passport's `req.logOut`): runs the LoginListener's `afterLogout`
   * on the response still to be sent (the consent feature expires a visitor cookie that grants anything).
   * Never fails: the session is gone already.
   */
  async signedOut(req: Request): Promise<void> {
    if (!this.listener?.afterLogout) return;
    try {
      await this.listener.afterLogout(req, req.res as Response | undefined);
    } catch (err) {
      this.logger.warn(`The sign-out listener failed: ${(err as Error).message}`);
    }
  }

  /** Re-issues the session ID of a signed-in session (password change) without restarting its lifetime. */
  async reissue(req: Request, user: AuthUser, meta: SessionAuthMeta): Promise<void> {
    if (isSessionUnavailable(req) || !req.session) throw new SessionStoreUnavailableException();
    await this.establish(req, user, { keep: meta, epoch: await this.sessions.epochOf(user.id) });
  }

  private async establish(
    req: Request,
    user: AuthUser,
    opts: { remember?: boolean; keep?: SessionAuthMeta; epoch: string },
  ): Promise<void> {
    const previous = req.session as Session & Record<string, unknown>;
    const carried: Record<string, unknown> = {};
    for (const key of this.kept) if (previous[key] !== undefined) carried[key] = previous[key];
    const now = this.clock.now();
    const s = this.options.session;
    const meta: SessionAuthMeta = opts.keep
      ? { ...opts.keep, lastSeenAt: now }
      : newLoginMeta(req, now, opts.remember === true, s);

    setNextSessionTag(req, this.tags.of(user.id));
    if (storedSessionId(req) !== undefined) await this.step(req, () => promised((done) => previous.regenerate(done)));
    // A session never stored has nothing to delete: a new ID without the store call regenerate makes.
    else (req.sessionStore as Store & { generate(req: Request): void }).generate(req);
    const session = req.session as Session & Record<string, unknown>;
    Object.assign(session, carried);
    session.passport = { user: user.id };
    session.authConsent = meta;
    // A browser-session cookie has no Expires; a remembered one expires when the server-side session would.
    if (meta.remember) session.cookie.expires = new Date(sessionEndsAt(meta, s));
    setLoginEpoch(req, opts.epoch);
    await this.step(req, () => promised((done) => session.save(done)));
    req.user = user;

    // A password change re-issues the ID of a session that is already signed in: not a login.
    if (this.listener && !opts.keep) {
      try {
        await this.listener.afterLogin(user, req, req.res as Response);
      } catch (err) {
        // The login fails as a whole: the session just stored must not stay usable, nor its cookie go out.
        await promised((done) => session.destroy(done)).catch(() => undefined);
        abandon(req);
        req.user = undefined;
        throw err;
      }
    }
    req.res?.setHeader('Cache-Control', 'no-store');
  }

  private async step(req: Request, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      // Nothing of this login may be saved when the response ends, and no cookie sent.
      abandon(req);
      if (err instanceof SessionLimitError) throw new SessionLimitException();
      if (err instanceof StaleLoginError) throw new LoginRefusedException();
      throw new SessionStoreUnavailableException();
    }
  }
}

/** express-session neither saves nor sets a cookie for a request whose session is gone. */
function abandon(req: Request): void {
  (req as { session: unknown }).session = null;
}
