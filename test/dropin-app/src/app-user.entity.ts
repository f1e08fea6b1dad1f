import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The app's own users, in its own `users` table (nothing to do with the module's `auth_consent_users`). */
@Entity('users')
export class AppUser {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  email!: string;
}
