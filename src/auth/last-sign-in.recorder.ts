import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { UserStore } from './user.store.js';

/** How long sign-in times wait to be written together. */
export const LAST_SIGN_IN_FLUSH_MS = 1000;
/** Bound on one statement's parameter list (PostgreSQL allows 65535). */
const MAX_IDS_PER_WRITE = 1000;

/**
 * Writes users' last sign-in times in batches: one UPDATE for the sign-ins of each second rather than a
 * write transaction per login (the admin console shows the time; nothing depends on it). Pending times are
 * written before the admin console reads users and at shutdown; a failed write is logged, never a failed login.
 */
@Injectable()
export class LastSignInRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LastSignInRecorder.name);
  private pending = new Map<string, Date>();
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly users: UserStore) {}

  record(userId: string, at: Date): void {
    if (!this.users.recordLogin && !this.users.recordLogins) return;
    this.pending.set(userId, at);
    this.timer ??= setTimeout(() => void this.flush(), LAST_SIGN_IN_FLUSH_MS).unref();
  }

  /** Writes what is pending; resolves once every time recorded before the call is stored (or failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    // One write at a time, in order: a later time is never overwritten by an earlier batch.
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.flush();
  }

  private async write(batch: Map<string, Date>): Promise<void> {
    if (batch.size === 0) return;
    try {
      if (this.users.recordLogins) {
        // Grouped by second, each group stored with its latest time: the users of one group share it.
        const bySecond = new Map<number, { ids: string[]; at: Date }>();
        for (const [id, at] of batch) {
          const group = bySecond.get(Math.floor(at.getTime() / 1000));
          if (!group) bySecond.set(Math.floor(at.getTime() / 1000), { ids: [id], at });
          else {
            group.ids.push(id);
            if (at > group.at) group.at = at;
          }
        }
        for (const { ids, at } of bySecond.values()) {
          for (let i = 0; i < ids.length; i += MAX_IDS_PER_WRITE)
            await this.users.recordLogins(ids.slice(i, i + MAX_IDS_PER_WRITE), at);
        }
      } else {
        for (const [id, at] of batch) await this.users.recordLogin!(id, at);
      }
    } catch (err) {
      this.logger.warn(`Recording ${batch.size} sign-in time(s) failed: ${(err as Error).message}`);
    }
  }
}
