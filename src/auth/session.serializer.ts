import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import type { AuthUser } from './auth-user.js';
import { AuthService } from './auth.service.js';

/** Only the user ID goes into the session; the user is read back on each request, so disabling takes effect at once. */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly auth: AuthService) {
    super();
  }

  serializeUser(user: AuthUser, done: (err: unknown, id?: string) => void): void {
    done(null, user.id);
  }

  deserializeUser(id: unknown, done: (err: unknown, user?: AuthUser | false) => void): void {
    if (typeof id !== 'string') return done(null, false);
    this.auth.findActiveUser(id).then((user) => done(null, user ?? false), done);
  }
}
