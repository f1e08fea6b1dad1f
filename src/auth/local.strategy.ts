import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import type { AuthUser } from './auth-user.js';
import { ModulePassport } from './module-passport.js';
import { AuthService } from './auth.service.js';
import { InvalidCredentialsException } from './auth.exceptions.js';

export const LOCAL_STRATEGY = 'auth-consent-local';

/** passport-local on `username` / `password`; every failure is the same 401. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, LOCAL_STRATEGY) {
  constructor(
    private readonly auth: AuthService,
    modulePassport: ModulePassport,
  ) {
    super({ usernameField: 'username', passwordField: 'password' });
    // The login guard authenticates through this module's Passport, never the process-wide one.
    modulePassport.instance.use(LOCAL_STRATEGY, this);
  }

  async validate(username: string, password: string): Promise<AuthUser> {
    const user = await this.auth.verifyCredentials(username, password);
    if (!user) throw new InvalidCredentialsException();
    return user;
  }
}
