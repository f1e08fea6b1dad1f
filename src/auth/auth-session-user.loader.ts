import { Injectable } from '@nestjs/common';
import { SessionUserLoader } from '../session/session-user.loader.js';
import type { AuthUser } from './auth-user.js';
import { AuthService } from './auth.service.js';

/**
 * Only the user ID is in the session; the user is read back on each request through the active-user
 * cache (`auth.userCacheTtl`), and disabling a user or changing a password revokes the sessions at once.
 */
@Injectable()
export class AuthSessionUserLoader extends SessionUserLoader {
  constructor(private readonly auth: AuthService) {
    super();
  }

  load(userId: string): AuthUser | null | Promise<AuthUser | null> {
    return this.auth.cachedActiveUser(userId) ?? this.auth.findActiveUser(userId);
  }
}
