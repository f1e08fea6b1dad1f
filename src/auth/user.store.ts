/** A user as a {@link UserStore} keeps it. `username` is already case-folded. */
export interface StoredUser {
  id: string;
  username: string;
  passwordHash: string;
  roles: string[];
  disabled: boolean;
  passwordChangedAt: Date;
  createdAt: Date;
  /** When the user last signed in (null or absent: never, or the store does not record it). */
  lastLoginAt?: Date | null;
}

/** One page of {@link UserStore.searchByUsername}: usernames in ascending order, after `after` (exclusive). */
export interface UserSearch {
  /** A folded username prefix; '' lists every user. */
  prefix: string;
  limit: number;
  /** The last username of the previous page. */
  after?: string;
}

/**
 * Where users live. The module binds a TypeORM implementation on its `users` table; an app can bind its
 * own (`{ provide: UserStore, useClass: MyUsers }`). Usernames passed in are already folded.
 */
export abstract class UserStore {
  abstract findByUsername(username: string): Promise<StoredUser | null>;
  abstract findById(id: string): Promise<StoredUser | null>;
  /** Creates a user; throws `UsernameTakenError` when the username exists. */
  abstract create(user: { username: string; passwordHash: string; roles: string[] }): Promise<StoredUser>;
  abstract updatePasswordHash(id: string, passwordHash: string, changedAt: Date | null): Promise<void>;
  abstract setDisabled(id: string, disabled: boolean): Promise<void>;
  /**
   * Optional: the users whose folded username starts with `prefix`, ordered by username, at most `limit`,
   * after `after`. The admin user search (`GET /admin/users`) answers 501 when a store does not implement it.
   */
  searchByUsername?(search: UserSearch): Promise<StoredUser[]>;
  /**
   * Optional: stores the time of a sign-in (`lastLoginAt`). Sign-ins are batched and written within a second
   * (at shutdown, and before the admin console reads users); a failure is logged only.
   */
  recordLogin?(id: string, at: Date): Promise<void>;
  /** Optional: {@link recordLogin} for several users signed in within the same second, in one write (preferred when present). */
  recordLogins?(ids: string[], at: Date): Promise<void>;
}
