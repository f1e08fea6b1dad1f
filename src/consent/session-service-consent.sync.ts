import { Injectable } from '@nestjs/common';
import { SessionService } from '../session/session.service.js';
import { ConsentSessionSync } from './consent-session.sync.js';
import type { ConsentSnapshot } from './consent-subject.js';

/** Pushes a user's new decision into every live session of the user, so no request of theirs reads SQL for it. */
@Injectable()
export class SessionServiceConsentSync extends ConsentSessionSync {
  constructor(private readonly sessions: SessionService) {
    super();
  }

  async pushUserConsent(userId: string, snapshot: ConsentSnapshot | null): Promise<void> {
    await this.sessions.updateUserSessions(userId, 'consent', snapshot);
  }
}
