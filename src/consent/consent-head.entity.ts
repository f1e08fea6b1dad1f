import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The head of one subject's audit chain: its last seq and hash. Writers lock this row, which serialises a
 * subject's writes, and verify() compares the chain's end with it to detect a truncated tail.
 */
@Entity('consent_heads')
export class ConsentHeadEntity {
  @PrimaryColumn({ name: 'subject_type', type: 'varchar', length: 16 })
  subjectType: string;

  @PrimaryColumn({ name: 'subject_id', type: 'varchar', length: 64 })
  subjectId: string;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  hash: string | null;

  @Column({ name: 'updated_at', precision: 3 })
  updatedAt: Date;
}
