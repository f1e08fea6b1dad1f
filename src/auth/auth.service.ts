import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { SessionService } from '../session/session.service.js';
import { BoundedMap } from '../common/bounded-map.js';
import { ActiveUserCache } from './active-user.cache.js';
import type { AuthUser } from './auth-user.js';
import { PasswordPolicyError } from './auth.exceptions.js';
import { PasswordHasher } from './password.hasher.js';
import { UserStore, type StoredUser } from './user.store.js';
import { foldUsername, mayNameAnAccount, USERNAME_PATTERN, usernameProfileProblem } from './username.js';

export function toAuthUser(user: StoredUser): AuthUser {
  return { id: user.id, username: user.username, roles: [...user.roles] };
}

/** Users and credentials: verification (timing-safe), creation, password changes, disabling. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly activeUsers: ActiveUserCache;
  /** The IDs of usernames that signed in here (a name's ID never changes; a mismatch is read again). */
  private readonly userIds = new BoundedMap<string, string>(10_000);

  constructor(
    private readonly users: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
  ) {
    this.activeUsers = new ActiveUserCache(options.auth.userCacheTtlMs);
  }

  /**
   * The user when the credentials are right and the account is enabled, else null. Every path costs one
   * argon2 verification of the configured cost: an unknown user is verified against a dummy hash and a
   * disabled account is verified before being refused.
   */
  async verifyCredentials(username: string, password: string): Promise<AuthUser | null> {
    return (await this.checkCredentials(username, password))?.user ?? null;
  }

  /**
   * {@link verifyCredentials}, with the stamp of the password it verified (a login is refused if it changes
   * before the session is stored). `beforeVerify` runs before the password is checked, with the user's ID
   * (undefined for an unknown username): before the user is read when the name's ID is known from an earlier
   * login, so that `current` says the user was read after it (no change before `beforeVerify` went unseen).
   */
  async checkCredentials(
    username: string,
    password: string,
    beforeVerify?: (userId: string | undefined) => Promise<void>,
  ): Promise<{ user: AuthUser; passwordChangedAt: number; current: boolean } | null> {
    const folded = foldUsername(username);
    const knownId = this.userIds.get(folded);
    if (knownId !== undefined) await beforeVerify?.(knownId);
    const user = await this.findByUsername(username);
    const current = knownId !== undefined && user?.id === knownId;
    if (!current) await beforeVerify?.(user?.id);
    if (!user) {
      await this.hasher.verifyDummy(password);
      return null;
    }
    const ok = await this.hasher.verify(user.passwordHash, password);
    if (!ok || user.disabled) return null;
    this.userIds.set(folded, user.id);
    if (this.hasher.needsRehash(user.passwordHash)) {
      // Raise old hashes to the configured cost while the password is at hand.
      await this.users.updatePasswordHash(user.id, await this.hasher.hash(password), null).catch((err: unknown) => {
        this.logger.warn(`Re-hash failed for a user: ${(err as Error).message}`);
      });
    }
    return { user: toAuthUser(user), passwordChangedAt: user.passwordChangedAt.getTime(), current };
  }

  /** The signed-in user for a session's user ID; null when gone or disabled. Reused for `auth.userCacheTtl`. */
  /** The user from the active-user cache, without I/O; undefined when it must be read. */
  cachedActiveUser(id: string): AuthUser | undefined {
    return this.activeUsers.get(id, this.clock.now());
  }

  async findActiveUser(id: string): Promise<AuthUser | null> {
    const now = this.clock.now();
    const cached = this.activeUsers.get(id, now);
    if (cached) return cached;
    const user = await this.users.findById(id);
    if (!user || user.disabled) return null;
    const active = toAuthUser(user);
    this.activeUsers.set(id, active, now);
    return active;
  }

  /** Creates a user (CLI, seeding, tests); throws UsernameTakenError or PasswordPolicyError. */
  async createUser(username: string, password: string, roles: string[] = []): Promise<AuthUser> {
    const folded = foldUsername(username);
    if (!USERNAME_PATTERN.test(folded))
      throw new PasswordPolicyError('A username is 1-254 characters without spaces or control characters.');
    const problem = usernameProfileProblem(folded);
    if (problem) throw new PasswordPolicyError(problem);
    this.checkPolicy(password);
    return toAuthUser(
      await this.users.create({ username: folded, passwordHash: await this.hasher.hash(password), roles }),
    );
  }

  /**
   * Sets a new password and revokes every session of the user except `keepHandle`; a login that verified
   * the old password and is still in flight stores no session.
   */
  async setPassword(userId: string, password: string, keepHandle?: string): Promise<void> {
    this.checkPolicy(password);
    await this.users.updatePasswordHash(userId, await this.hasher.hash(password), new Date());
    this.activeUsers.delete(userId);
    await this.sessions.revokeAllForUser(userId, { except: keepHandle });
  }

  /** True when the password is the user's current one (same cost whatever the outcome). */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const user = await this.users.findById(userId);
    if (!user) {
      await this.hasher.verifyDummy(password);
      return false;
    }
    return this.hasher.verify(user.passwordHash, password);
  }

  /** Disables the account and revokes all of its sessions at once. */
  async disableUser(userId: string): Promise<number> {
    await this.users.setDisabled(userId, true);
    this.activeUsers.delete(userId);
    return this.sessions.revokeAllForUser(userId);
  }

  /** The user of that name (folded); null without asking the store for a name no account can have (a control character). */
  async findByUsername(username: string): Promise<StoredUser | null> {
    const folded = foldUsername(username);
    return mayNameAnAccount(folded) ? this.users.findByUsername(folded) : null;
  }

  private checkPolicy(password: string): void {
    const { minLength, maxLength } = this.options.auth.password;
    const length = [...password].length;
    if (length < minLength || length > maxLength)
      throw new PasswordPolicyError(`A password must be ${minLength} to ${maxLength} characters long.`);
  }
}
