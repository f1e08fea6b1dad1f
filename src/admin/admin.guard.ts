import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import type { AuthUser } from '../auth/auth-user.js';
import { SessionStoreUnavailableException } from '../session/session.exceptions.js';
import { isSessionUnavailable } from '../session/session-meta.js';

/**
 * Lets a request through only when a user is signed in (`req.user`, else 401) and holds the admin role
 * (option `adminRole`, default `'admin'`; else 403). Guards every admin controller; apps may reuse it.
 * When the session store is down the caller cannot be known: 503, never a 401 that would look like a sign-out.
 *
 * Works in any module of the app, whether or not AuthConsentModule is global: Nest builds a guard named in
 * `@UseGuards()` in the controller's own module, where the module's options are not visible unless it is
 * global, so the guard then finds them through ModuleRef (as ConsentGuard finds ConsentService).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private options?: ResolvedAuthConsentOptions;

  constructor(
    @Optional() @Inject(AUTH_CONSENT_OPTIONS) options?: ResolvedAuthConsentOptions,
    @Optional() private readonly moduleRef?: ModuleRef,
  ) {
    this.options = options;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (isSessionUnavailable(req)) throw new SessionStoreUnavailableException();
    const user = req.user as AuthUser | undefined;
    if (!user || typeof user.id !== 'string') throw new UnauthorizedException('Sign in first.');
    if (!Array.isArray(user.roles) || !this.hasRole(user))
      throw new ForbiddenException(`This requires the '${this.adminRole}' role.`);
    return true;
  }

  /** Overridable: how a user's roles grant admin access. */
  protected hasRole(user: AuthUser): boolean {
    return user.roles.includes(this.adminRole);
  }

  /** The `adminRole` option of the app's AuthConsentModule. */
  protected get adminRole(): string {
    this.options ??= this.moduleRef?.get<ResolvedAuthConsentOptions>(AUTH_CONSENT_OPTIONS, { strict: false });
    if (!this.options)
      throw new Error('AdminGuard needs AuthConsentModule imported in the app (forRoot or forRootAsync).');
    return this.options.adminRole;
  }
}
