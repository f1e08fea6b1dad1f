import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { SessionStoreUnavailableException } from '../session/session.exceptions.js';
import { isSessionUnavailable } from '../session/session-meta.js';
import { NotSignedInException } from './auth.exceptions.js';

/** Lets signed-in requests through: 401 when signed out, 503 when the session store is down (fail closed). */
@Injectable()
export class AuthenticatedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (isSessionUnavailable(req)) throw new SessionStoreUnavailableException();
    if (!req.user) throw new NotSignedInException();
    return true;
  }
}
