import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { LoginListener } from '../auth/login.listener.js';
import { ConsentHttpService } from './consent-http.service.js';

/**
 * At login, links the visitor's consent decision to the user (most recent wins; a `link` event with source
 * `login`) and expires a visitor cookie that grants anything; at sign-out, expires such a cookie again (a
 * browser signed in before this release may still hold one). See ConsentHttpService.dropVisitorGrant.
 */
@Injectable()
export class ConsentLoginListener extends LoginListener {
  constructor(private readonly consent: ConsentHttpService) {
    super();
  }

  async afterLogin(user: AuthUser, req: Request, res: Response): Promise<void> {
    await this.consent.linkVisitorToUser(user, req, res);
  }

  override afterLogout(req: Request, res: Response | undefined): void {
    this.consent.dropVisitorGrant(req, res);
  }
}
