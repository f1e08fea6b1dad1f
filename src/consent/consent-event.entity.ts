import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ConsentEventDetail } from './consent-subject.js';

/** One append-only entry of a subject's consent history, chained to the previous one by `prevHash`. */
@Entity('consent_events')
@Index(['subjectType', 'subjectId', 'seq'], { unique: true })
export class ConsentEventEntity {
  /** A bigint: the drivers return it as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 16 })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 64 })
  subjectId: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 16 })
  action: string;

  @Column({ name: 'decisions_before', type: 'simple-json', nullable: true })
  decisionsBefore: Record<string, boolean> | null;

  @Column({ name: 'decisions_after', type: 'simple-json' })
  decisionsAfter: Record<string, boolean>;

  @Column({ name: 'policy_version', type: 'varchar', length: 64 })
  policyVersion: string;

  @Column({ name: 'policy_hash', type: 'varchar', length: 64 })
  policyHash: string;

  @Column({ type: 'varchar', length: 16 })
  source: string;

  @Column({ type: 'varchar', length: 35, nullable: true })
  locale: string | null;

  /** Truncated: IPv4 /24, IPv6 /48. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64, nullable: true })
  prevHash: string | null;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  /** Optional fields of format 2 (GPC signal and override); null when there are none. Part of the hash when present. */
  @Column({ type: 'simple-json', nullable: true })
  detail: ConsentEventDetail | null;

  /** How `hash` is computed: 1 (written before the subject was bound), 2 (binds the subject's keyed pseudonym); see consent-format.ts. */
  @Column({ type: 'integer', default: 1 })
  format: number;
}
