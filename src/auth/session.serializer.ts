import { Injectable } from '@nestjs/common';
import { ModulePassport } from '../session/module-passport.js';
import type { AuthUser } from './auth-user.js';
import { AuthService } from './auth.service.js';

/**
 * Only the user ID goes into the session; the user is read back on each request (through a short-lived
 * cache), so disabling takes effect at once. Registered on this module's Passport, not the global one.
 */
@Injectable()
export class SessionSerializer {
  constructor(
    private readonly auth: AuthService,
    modulePassport: ModulePassport,
  ) {
    modulePassport.instance.serializeUser((user, done) => this.serializeUser(user as AuthUser, done));
    modulePassport.instance.deserializeUser((id, done) => this.deserializeUser(id, done));
  }

  serializeUser(user: AuthUser, done: (err: unknown, id?: string) => void): void {
    done(null, user.id);
  }

  deserializeUser(id: unknown, done: (err: unknown, user?: AuthUser | false) => void): void {
    if (typeof id !== 'string') return done(null, false);
    this.auth.findActiveUser(id).then((user) => done(null, user ?? false), done);
  }
}
