import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { LoginListener } from '../auth/login-listener.js';
import { ConsentService } from './consent.service.js';

/** At login, links the visitor's consent decision to the user (most recent wins; a `link` event with source `login`). */
@Injectable()
export class ConsentLoginListener extends LoginListener {
  constructor(private readonly consent: ConsentService) {
    super();
  }

  async afterLogin(user: AuthUser, req: Request, _res: Response): Promise<void> {
    await this.consent.linkVisitorToUser(user, req);
  }
}
