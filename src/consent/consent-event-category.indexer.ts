import { Inject, Injectable, Logger } from '@nestjs/common';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { ConsentEventEntity } from './consent-event.entity.js';
import { ConsentEventCategoryEntity } from './consent-event-category.entity.js';
import type { ConsentDecisions } from './consent-subject.js';

type IndexableEvent = Pick<ConsentEventEntity, 'id' | 'action' | 'createdAt' | 'decisionsBefore' | 'decisionsAfter'>;

/** A category's decision before and after one event. */
export interface CategoryChange {
  category: string;
  grantedBefore: boolean | null;
  grantedAfter: boolean | null;
}

/**
 * Maintains `consent_event_categories`, the side table behind the admin's category filter and stats.
 * The consent writers add an event's rows atomically with it ({@link index} in the transaction, or
 * {@link changesOf} in PostgreSQL's single statement), so the side table never disagrees with the log.
 */
@Injectable()
export class ConsentEventCategoryIndexer {
  private readonly logger = new Logger(ConsentEventCategoryIndexer.name);

  constructor(@Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Each category named in the decisions before or after, with its decision on either side (null: not decided). */
  static changesOf(
    decisionsBefore: ConsentDecisions | null,
    decisionsAfter: ConsentDecisions | null,
  ): CategoryChange[] {
    const before = decisionsBefore ?? {};
    const after = decisionsAfter ?? {};
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.map((category) => ({
      category,
      grantedBefore: typeof before[category] === 'boolean' ? before[category] : null,
      grantedAfter: typeof after[category] === 'boolean' ? after[category] : null,
    }));
  }

  /** One row per category named in the event's decisions before or after. */
  static rowsFor(event: IndexableEvent): ConsentEventCategoryEntity[] {
    return ConsentEventCategoryIndexer.changesOf(event.decisionsBefore, event.decisionsAfter).map((change) =>
      Object.assign(new ConsentEventCategoryEntity(), {
        eventId: String(event.id),
        action: event.action,
        createdAt: event.createdAt,
        ...change,
      }),
    );
  }

  /** Writes the rows of events just inserted; pass the transaction's manager. */
  async index(manager: EntityManager, events: IndexableEvent[]): Promise<void> {
    const rows = events.flatMap((e) => ConsentEventCategoryIndexer.rowsFor(e));
    if (rows.length > 0) await manager.getRepository(ConsentEventCategoryEntity).insert(rows);
  }

  /** Removes the rows of events about to be deleted (retention folds them into a checkpoint). */
  async forget(manager: EntityManager, events: Array<Pick<ConsentEventEntity, 'id'>>): Promise<void> {
    const ids = events.map((e) => String(e.id));
    // Bounded IN lists: every database accepts a few hundred parameters per statement.
    for (let i = 0; i < ids.length; i += 500) {
      await manager.getRepository(ConsentEventCategoryEntity).delete({ eventId: In(ids.slice(i, i + 500)) });
    }
  }

  /**
   * Indexes events that have no side-table row yet (events written before the writer indexed them), in
   * batches; safe to run repeatedly and concurrently with writes. Returns how many events it indexed.
   */
  async backfill(batchSize = 1000): Promise<number> {
    let done = 0;
    let lastId = '0';
    for (;;) {
      const batch = await this.dataSource
        .getRepository(ConsentEventEntity)
        .createQueryBuilder('e')
        .where(
          (qb) =>
            `NOT EXISTS ${qb.subQuery().select('1').from(ConsentEventCategoryEntity, 'c').where('c.eventId = e.id').getQuery()}`,
        )
        .andWhere('e.id > :lastId', { lastId })
        .orderBy('e.id', 'ASC')
        .limit(batchSize)
        .getMany();
      if (batch.length === 0) break;
      lastId = String(batch[batch.length - 1].id);
      const indexable = batch.filter((e) => ConsentEventCategoryIndexer.rowsFor(e).length > 0);
      if (indexable.length > 0) {
        await this.dataSource.transaction(async (manager) => {
          await manager
            .getRepository(ConsentEventCategoryEntity)
            .createQueryBuilder()
            .insert()
            .values(indexable.flatMap((e) => ConsentEventCategoryIndexer.rowsFor(e)))
            .orIgnore()
            .execute();
        });
        done += indexable.length;
      }
      if (batch.length < batchSize) break;
    }
    if (done > 0) this.logger.log(`Indexed ${done} consent event(s) by category.`);
    return done;
  }
}
