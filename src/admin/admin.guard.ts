import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
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
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (isSessionUnavailable(req)) throw new SessionStoreUnavailableException();
    const user = req.user as AuthUser | undefined;
    if (!user || typeof user.id !== 'string') throw new UnauthorizedException('Sign in first.');
    if (!Array.isArray(user.roles) || !this.hasRole(user)) throw new ForbiddenException(`This requires the '${this.options.adminRole}' role.`);
    return true;
  }

  /** Overridable: how a user's roles grant admin access. */
  protected hasRole(user: AuthUser): boolean {
    return user.roles.includes(this.options.adminRole);
  }
}
