import { Injectable, Logger, NotFoundException, NotImplementedException } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import { LastSignInRecorder } from '../auth/last-sign-in.recorder.js';
import { UserStore, type StoredUser } from '../auth/user.store.js';
import { SessionService } from '../session/session.service.js';
import { AdminCursorCodec } from './admin-cursor.codec.js';
import { withDatabase } from './admin-database.js';
import type { AdminPage } from './admin-query.types.js';
import type { AdminUserQuery } from './admin-user-query.pipe.js';

/** One user of `GET /admin/users`; never a password hash. */
export interface AdminUserView {
  id: string;
  username: string;
  roles: string[];
  disabled: boolean;
  /** Live sessions, from the session feature's per-user index. */
  sessions: number;
  /** ISO 8601; null before the first sign-in (or when the app's UserStore does not record it). */
  lastSignInAt: string | null;
}

/** The user search and account switches of the admin console, through the `UserStore`. */
@Injectable()
export class AdminUsersService {
  private readonly logger = new Logger(AdminUsersService.name);

  constructor(
    private readonly users: UserStore,
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    private readonly cursors: AdminCursorCodec,
    private readonly lastSignIns: LastSignInRecorder,
  ) {}

  /** Whether the bound UserStore can search by username (else the search is a 501). */
  get searchable(): boolean {
    return typeof this.users.searchByUsername === 'function';
  }

  /** Users whose folded username starts with `query`, by username, keyset-paginated. 501 when the store cannot search. */
  async search({ query, limit, cursor }: AdminUserQuery): Promise<AdminPage<AdminUserView>> {
    if (!this.searchable)
      throw new NotImplementedException(
        "The app's UserStore cannot search users by name (it has no searchByUsername).",
      );
    const scope = JSON.stringify(['users', query]);
    const after = cursor === undefined ? undefined : this.cursors.decodeKey(cursor, scope);
    // This process's sign-ins of the last second show at once (another process's within a second).
    await this.lastSignIns.flush();
    const rows = await withDatabase(this.logger, 'Searching users', () =>
      this.users.searchByUsername!({ prefix: query, limit: limit + 1, after }),
    );
    const items = rows.slice(0, limit);
    const views = await Promise.all(items.map((u) => this.view(u)));
    return {
      items: views,
      nextCursor: rows.length > limit ? this.cursors.encodeKey(items[items.length - 1].username, scope) : null,
    };
  }

  /** The user, or 404. */
  async get(id: string): Promise<StoredUser> {
    await this.lastSignIns.flush();
    const user = await withDatabase(this.logger, 'Reading a user', () => this.users.findById(id));
    if (!user) throw new NotFoundException('No such user.');
    return user;
  }

  /** Disables the account and revokes every session of it. */
  async disable(user: StoredUser): Promise<AdminUserView> {
    await withDatabase(this.logger, 'Disabling a user', () => this.auth.disableUser(user.id));
    return this.view({ ...user, disabled: true });
  }

  async enable(user: StoredUser): Promise<AdminUserView> {
    await withDatabase(this.logger, 'Enabling a user', () => this.users.setDisabled(user.id, false));
    return this.view({ ...user, disabled: false });
  }

  private async view(u: StoredUser): Promise<AdminUserView> {
    const live = await this.sessions.listForUser(u.id);
    return {
      id: u.id,
      username: u.username,
      roles: [...u.roles],
      disabled: u.disabled,
      sessions: live.length,
      lastSignInAt: u.lastLoginAt ? new Date(u.lastLoginAt).toISOString() : null,
    };
  }
}
