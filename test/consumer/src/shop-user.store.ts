import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UserStore, UsernameTakenError, type StoredUser } from 'nestjs-auth-consent';
import { ShopDatabase } from './shop-database.js';

interface CustomerRow {
  id: string;
  email: string;
  password_hash: string;
  roles: string;
  disabled: boolean;
  password_changed_at: Date;
  created_at: Date;
}

/** The module's user port, implemented over the shop's `shop_customers` table (email as the username). */
@Injectable()
export class ShopUserStore extends UserStore {
  constructor(private readonly db: ShopDatabase) {
    super();
  }

  private get table(): string {
    return `"${this.db.prefix}shop_customers"`;
  }

  private toUser(row: CustomerRow | undefined): StoredUser | null {
    if (!row) return null;
    return {
      id: row.id,
      username: row.email,
      passwordHash: row.password_hash,
      roles: row.roles ? row.roles.split(',') : [],
      disabled: row.disabled,
      passwordChangedAt: row.password_changed_at,
      createdAt: row.created_at,
    };
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    const rows: CustomerRow[] = await this.db.dataSource.query(`SELECT * FROM ${this.table} WHERE email = $1`, [
      username,
    ]);
    return this.toUser(rows[0]);
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows: CustomerRow[] = await this.db.dataSource.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return this.toUser(rows[0]);
  }

  async create(user: { username: string; passwordHash: string; roles: string[] }): Promise<StoredUser> {
    const now = new Date();
    try {
      const rows: CustomerRow[] = await this.db.dataSource.query(
        `INSERT INTO ${this.table} (id, email, password_hash, roles, disabled, password_changed_at, created_at)
         VALUES ($1, $2, $3, $4, false, $5, $5) RETURNING *`,
        [randomUUID(), user.username, user.passwordHash, user.roles.join(','), now],
      );
      return this.toUser(rows[0]) as StoredUser;
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new UsernameTakenError(`The email '${user.username}' is taken.`);
      throw err;
    }
  }

  async updatePasswordHash(id: string, passwordHash: string, changedAt: Date | null): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE ${this.table} SET password_hash = $2, password_changed_at = COALESCE($3, password_changed_at) WHERE id = $1`,
      [id, passwordHash, changedAt],
    );
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.db.dataSource.query(`UPDATE ${this.table} SET disabled = $2 WHERE id = $1`, [id, disabled]);
  }
}
