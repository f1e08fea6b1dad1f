import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { AuthUser } from './auth-user.js';
import { AuthenticatedGuard } from './authenticated.guard.js';
import { ROLES_METADATA } from './roles.decorator.js';

/** 401 when signed out, 403 without one of the `@Roles(...)` roles, 503 when the session store is down. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly authenticated = new AuthenticatedGuard();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    this.authenticated.canActivate(context);
    const required = this.reflector.getAllAndOverride(ROLES_METADATA, [context.getHandler(), context.getClass()]) ?? [];
    if (required.length === 0) return true;
    const user = context.switchToHttp().getRequest<Request>().user as AuthUser;
    if (required.some((role) => user.roles.includes(role))) return true;
    throw new ForbiddenException('Insufficient role');
  }
}
