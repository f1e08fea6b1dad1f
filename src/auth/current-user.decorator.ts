import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from './auth-user.js';

/** The signed-in {@link AuthUser} (`req.user`); pair it with `AuthenticatedGuard`, otherwise it may be undefined. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser | undefined => {
  return context.switchToHttp().getRequest<Request>().user as AuthUser | undefined;
});
