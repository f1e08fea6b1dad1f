import { Injectable } from '@nestjs/common';
import passport from 'passport';

/**
 * This module instance's own Passport, for the login's local strategy. Passport's
 * global singleton (what `@nestjs/passport`'s AuthGuard and PassportSerializer use) is shared by every app
 * in the process, so two app instances in one process would answer each other's logins and sessions.
 */
@Injectable()
export class ModulePassport {
  readonly instance = new passport.Passport();
}
