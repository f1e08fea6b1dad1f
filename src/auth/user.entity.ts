import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user of the built-in TypeORM user store; the username is stored case-folded. */
@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 254, unique: true })
  username: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'simple-array' })
  roles: string[];

  @Column({ default: false })
  disabled: boolean;

  @Column({ name: 'password_changed_at', precision: 3 })
  passwordChangedAt: Date;

  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;

  /** When the user last signed in; null before the first sign-in (migration 1763750000000). */
  @Column({ name: 'last_login_at', type: Date, precision: 3, nullable: true })
  lastLoginAt: Date | null;
}
