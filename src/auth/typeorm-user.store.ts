import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { In, QueryFailedError, type DataSource, type Repository } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { unavailableAs503 } from '../database/database-errors.js';
import { UsernameTakenError } from './auth.exceptions.js';
import { UserEntity } from './user.entity.js';
import { UserStore, type StoredUser, type UserSearch } from './user.store.js';

/**
 * The default {@link UserStore}: the module's `users` table. A database that cannot be reached or does not
 * answer in time is a 503 (sign-in, signed-in reads), whatever exception filter the app has.
 */
@Injectable()
export class TypeOrmUserStore extends UserStore {
  private readonly users: Repository<UserEntity>;

  constructor(@Inject(AUTH_CONSENT_DATA_SOURCE) dataSource: DataSource) {
    super();
    this.users = dataSource.getRepository(UserEntity);
  }

  findByUsername(username: string): Promise<StoredUser | null> {
    return unavailableAs503(this.users.findOneBy({ username }));
  }

  findById(id: string): Promise<StoredUser | null> {
    return unavailableAs503(this.users.findOneBy({ id }));
  }

  async create(user: { username: string; passwordHash: string; roles: string[] }): Promise<StoredUser> {
    const now = new Date();
    const entity = this.users.create({
      id: randomUUID(),
      ...user,
      disabled: false,
      passwordChangedAt: now,
      createdAt: now,
      lastLoginAt: null,
    });
    try {
      await this.users.insert(entity);
    } catch (err) {
      // The unique index on username decides under concurrency; each driver words it differently.
      if (err instanceof QueryFailedError && (await this.users.existsBy({ username: user.username })))
        throw new UsernameTakenError(`username '${user.username}' is taken`);
      throw err;
    }
    return entity;
  }

  async updatePasswordHash(id: string, passwordHash: string, changedAt: Date | null): Promise<void> {
    await unavailableAs503(
      this.users.update({ id }, changedAt ? { passwordHash, passwordChangedAt: changedAt } : { passwordHash }),
    );
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await unavailableAs503(this.users.update({ id }, { disabled }));
  }

  /** Keyset by the unique username index; `LIKE` with an explicit escape character works alike on every database. */
  override searchByUsername({ prefix, limit, after }: UserSearch): Promise<StoredUser[]> {
    const qb = this.users.createQueryBuilder('u');
    if (prefix !== '')
      qb.andWhere("u.username LIKE :pattern ESCAPE '!'", { pattern: `${prefix.replace(/[!%_]/g, '!$&')}%` });
    if (after !== undefined) qb.andWhere('u.username > :after', { after });
    return qb.orderBy('u.username', 'ASC').limit(limit).getMany();
  }

  override async recordLogin(id: string, at: Date): Promise<void> {
    await this.recordLogins([id], at);
  }

  override async recordLogins(ids: string[], at: Date): Promise<void> {
    await unavailableAs503(this.users.update({ id: In(ids) }, { lastLoginAt: at }));
  }
}
