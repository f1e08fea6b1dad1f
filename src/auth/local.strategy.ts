import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import type { AuthUser } from './auth-user.js';
import { AuthService } from './auth.service.js';
import { InvalidCredentialsException } from './auth.exceptions.js';

/** passport-local on `username` / `password`; every failure is the same 401. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'auth-consent-local') {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'username', passwordField: 'password' });
  }

  async validate(username: string, password: string): Promise<AuthUser> {
    const user = await this.auth.verifyCredentials(username, password);
    if (!user) throw new InvalidCredentialsException();
    return user;
  }
}
