import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import type { AuthUser } from './auth-user.js';
import { SessionService } from '../session/session.service.js';
import { ModulePassport } from './module-passport.js';
import { AuthService } from './auth.service.js';
import { InvalidCredentialsException } from './auth.exceptions.js';

export const LOCAL_STRATEGY = 'auth-consent-local';

/**
 * On a request whose credentials verified: the stamp of the password they matched, the user's epoch read
 * before, and the user when it was read after that epoch (the login then needs no second read).
 */
const CHECKED = Symbol('authConsentCredentialsChecked');

/** The user ID no account has: an unknown username reads this epoch, so it costs what a known one does. */
const NOBODY = '\u0000unknown';

type Checked = { passwordChangedAt?: number; epoch?: string; current?: AuthUser };

export function checkedCredentials(req: Request): Checked {
  return (req as Request & { [CHECKED]?: Checked })[CHECKED] ?? {};
}

/** passport-local on `username` / `password`; every failure is the same 401. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, LOCAL_STRATEGY) {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    modulePassport: ModulePassport,
  ) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
    // The login guard authenticates through this module's Passport, never the process-wide one.
    modulePassport.instance.use(LOCAL_STRATEGY, this);
  }

  async validate(req: Request, username: string, password: string): Promise<AuthUser> {
    const facts: Checked = {};
    // The user's epoch is read before the password is checked: a revocation that lands while the login is
    // in flight moves it, and the session is then refused when it is stored.
    const checked = await this.auth.checkCredentials(username, password, async (userId) => {
      facts.epoch = await this.sessions.epochOf(userId ?? NOBODY);
    });
    if (!checked) throw new InvalidCredentialsException();
    facts.passwordChangedAt = checked.passwordChangedAt;
    if (checked.current) facts.current = checked.user;
    (req as Request & { [CHECKED]?: Checked })[CHECKED] = facts;
    return checked.user;
  }
}
