import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';

/** The current consent decision of one subject (a visitor or a user). */
@Entity('consent_records')
@Index(['subjectType', 'subjectId'], { unique: true })
export class ConsentRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 16 })
  subjectType: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 64 })
  subjectId: string;

  @Column({ name: 'policy_version', type: 'varchar', length: 64 })
  policyVersion: string;

  @Column({ name: 'policy_hash', type: 'varchar', length: 64 })
  policyHash: string;

  @Column({ type: 'simple-json' })
  decisions: Record<string, boolean>;

  @Column({ type: 'varchar', length: 16 })
  source: string;

  @Column({ type: 'boolean', default: false })
  gpc: boolean;

  /** `opt-out` when the decision was made under opt-out rules (not prior consent elsewhere); null otherwise. */
  @Column({ name: 'rule_set', type: 'varchar', length: 8, nullable: true })
  ruleSet: string | null;

  /** SHA-256 of the texts the decision was made on (GET /consent/config `textHash`); null when it named none. */
  @Column({ name: 'text_hash', type: 'varchar', length: 64, nullable: true })
  textHash: string | null;

  @Column({ name: 'decided_at', precision: 3 })
  decidedAt: Date;

  @Column({ name: 'expires_at', precision: 3 })
  expiresAt: Date;

  @Column({ name: 'linked_user_id', type: 'varchar', length: 36, nullable: true })
  linkedUserId: string | null;

  @VersionColumn()
  version: number;
}
