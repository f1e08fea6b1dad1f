import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per (consent event, category named in its decisions before or after): a derived index that lets
 * the admin filter events by category and compute stats without parsing JSON, the same way on every
 * database. Written atomically with its event by the consent writer (rows from {@link ConsentEventCategoryIndexer}).
 */
@Entity('consent_event_categories')
export class ConsentEventCategoryEntity {
  @PrimaryColumn({ name: 'event_id', type: 'bigint' })
  eventId: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  category: string;

  /** Copied from the event so stats need no join. */
  @Column({ type: 'varchar', length: 16 })
  action: string;

  /** Copied from the event: keyset order and stats ranges use it. */
  @Column({ name: 'created_at', precision: 3 })
  createdAt: Date;

  /** The category's decision before the event; null when it was not decided. */
  @Column({ name: 'granted_before', type: 'boolean', nullable: true })
  grantedBefore: boolean | null;

  /** The category's decision after the event; null when the event removed it. */
  @Column({ name: 'granted_after', type: 'boolean', nullable: true })
  grantedAfter: boolean | null;
}
