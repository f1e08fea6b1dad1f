import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One administrator action: who did what to which target, and when. Append-only. */
@Entity('admin_audit')
export class AdminAuditEntity {
  /** A bigint: the drivers return it as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 36 })
  actorId: string;

  @Column({ name: 'actor_username', type: 'varchar', length: 254 })
  actorUsername: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'target_type', type: 'varchar', length: 32 })
  targetType: string;

  @Column({ name: 'target_id', type: 'varchar', length: 128, nullable: true })
  targetId: string | null;

  @Column({ type: 'simple-json', nullable: true })
  details: Record<string, unknown> | null;

  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;
}
