/** A user as a {@link UserStore} keeps it. `username` is already case-folded. */
export interface StoredUser {
  id: string;
  username: string;
  passwordHash: string;
  roles: string[];
  disabled: boolean;
  passwordChangedAt: Date;
  createdAt: Date;
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
}
