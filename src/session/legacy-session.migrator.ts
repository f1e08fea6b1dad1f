import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { Session } from 'express-session';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { promised } from '../common/promised.js';
import { randomTag, UserTags } from './session-id.js';
import { markSessionUnavailable, newLoginMeta, sessionEndsAt } from './session-meta.js';
import { passportUserId, setLoginEpoch } from './session-store.core.js';
import { SESSION_STORE, type ModuleSessionStore } from './session-store.provider.js';
import { SessionUserLoader } from './session-user.loader.js';
import { setNextSessionTag } from './session-next-tag.js';

/**
 * Moving from express-session + connect-redis (`session.legacyPrefix`): a session the store found only in
 * the old layout is read once, its data moved to a new session ID in the module's layout (signed in, with
 * fresh timeouts, when Passport's user is a user of the app's), and the old key deleted. The client gets
 * the new cookie with the response.
 */
@Injectable()
export class LegacySessionMigrator {
  private readonly logger = new Logger(LegacySessionMigrator.name);

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    @Inject(SESSION_STORE) private readonly store: ModuleSessionStore,
    private readonly users: SessionUserLoader,
    private readonly clock: Clock,
    private readonly tags: UserTags,
  ) {}

  /** Never rejects: a failure leaves the request without a session, marked so protected routes answer 503. */
  async move(req: Request): Promise<void> {
    const old = req.session as Session & Record<string, unknown>;
    const oldId = req.sessionID;
    const { cookie, passport, ...data } = old;
    const remember = cookie.expires != null;
    const userId = passportUserId((passport as { user?: unknown } | undefined)?.user);
    try {
      const user = userId === undefined ? null : await this.users.load(userId);
      setNextSessionTag(req, user ? this.tags.of(userId!) : randomTag());
      await promised((done) => old.regenerate(done));
      const session = req.session;
      Object.assign(session, data);
      if (user) {
        const meta = newLoginMeta(req, this.clock.now(), remember, this.options.session);
        session.passport = { user: userId };
        session.authConsent = meta;
        if (remember) session.cookie.expires = new Date(sessionEndsAt(meta, this.options.session));
        setLoginEpoch(req, await this.store.epoch(userId!));
      }
      await promised((done) => session.save(done));
      await this.store.destroyLegacy?.(oldId);
    } catch (err) {
      this.logger.warn(`Moving a legacy session failed: ${(err as Error)?.message ?? String(err)}`);
      markSessionUnavailable(req);
      (req as { session: unknown }).session = null;
    }
  }
}
