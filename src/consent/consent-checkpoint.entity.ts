import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A signed statement about one subject's chain: `head` (periodic snapshot of the chain's end, to detect tail
 * truncation), `fold` (retention removed events up to `seq`; the chain continues from `hash`) or `anchor`
 * (binds the head of a chain written before format 2 to its subject). One row of kind `anchored`, with no
 * subject, records that the chains existing at the upgrade were anchored.
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
  kind: 'head' | 'fold' | 'anchor' | 'anchored';

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

  /** HMAC over kind, seq, hash, events and created_at, and from format 2 the subject's keyed pseudonym. */
  @Column({ type: 'varchar', length: 64 })
  mac: string;

  /** How `mac` is computed: 1 (without the subject) or 2 (binds the subject's keyed pseudonym). */
  @Column({ type: 'integer', default: 1 })
  format: number;
}
