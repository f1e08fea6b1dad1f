import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A signed statement about one subject's chain: `head` (periodic snapshot of the chain's end, to detect tail
 * truncation) or `fold` (retention removed events up to `seq`; the chain continues from `hash`).
 */
@Entity('consent_checkpoints')
@Index(['subjectType', 'subjectId', 'kind', 'seq'])
export class ConsentCheckpointEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 16 })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 64 })
  subjectId: string;

  @Column({ type: 'varchar', length: 8 })
  kind: 'head' | 'fold';

  @Column({ type: 'integer' })
  seq: number;

  /** Hash of the event at `seq` (null for an empty chain). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  hash: string | null;

  /** Events folded into this checkpoint (fold only). */
  @Column({ type: 'integer', default: 0 })
  events: number;

  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;

  /** HMAC over kind, seq, hash, events and created_at. */
  @Column({ type: 'varchar', length: 64 })
  mac: string;
}
