import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { AdminCursorCodec, type KeysetPosition } from './admin-cursor.codec.js';
import { withDatabase } from './admin-database.js';
import type { AdminPage, ConsentEventFilters, ConsentEventPageQuery, SortOrder } from './admin-query.types.js';
import { ConsentEventCategoryEntity } from '../consent/consent-event-category.entity.js';
import { filterScope } from './consent-event-filters.parse.js';
import { toConsentEventView, type ConsentEventView } from './consent-event.view.js';

/** Rows fetched per keyset step of an export: bounds memory whatever the number of events. */
export const EXPORT_BATCH_SIZE = 1000;

/**
 * Reads consent events for administrators: filtered, keyset-paginated pages (never OFFSET: a deep page
 * costs the same as the first) and constant-memory batches for exports.
 */
@Injectable()
export class AdminConsentEventsService {
  private readonly logger = new Logger(AdminConsentEventsService.name);

  constructor(
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly cursors: AdminCursorCodec,
  ) {}

  /**
   * One page, newest first by default. Every event that exists when paging starts appears exactly once
   * across the pages, whatever is inserted meanwhile: the cursor is a strict (created_at, id) bound.
   */
  async page(query: ConsentEventPageQuery): Promise<AdminPage<ConsentEventView>> {
    const scope = filterScope('events', query, query.order);
    const after = query.cursor === undefined ? undefined : this.cursors.decode(query.cursor, scope);
    return withDatabase(this.logger, 'Listing consent events', async () => {
      const rows = await this.fetch(query, query.order, after, query.limit + 1);
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toConsentEventView),
        nextCursor: rows.length > query.limit ? this.cursors.encode({ createdAt: last.createdAt, id: String(last.id) }, scope) : null,
      };
    });
  }

  /**
   * The matching events in keyset batches, for exports: raw rows turned straight into views (no entity
   * hydration). The set is fixed when the first batch is read: events inserted after that point with a later
   * key are left out, so an export under write load ends.
   */
  async *batches(filters: ConsentEventFilters, order: SortOrder, batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<ConsentEventView[]> {
    let upTo: KeysetPosition | undefined;
    if (order === 'asc') {
      const [newest] = await withDatabase(this.logger, 'Exporting consent events', () => this.fetch(filters, 'desc', undefined, 1));
      if (!newest) return;
      upTo = { createdAt: newest.createdAt, id: String(newest.id) };
    }
    let after: KeysetPosition | undefined;
    for (;;) {
      const rows = await withDatabase(this.logger, 'Exporting consent events', () => this.fetchRaw(filters, order, after, batchSize, upTo));
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = { createdAt: last.createdAt, id: String(last.id) };
      yield rows.map(toConsentEventView);
      if (rows.length < batchSize) return;
    }
  }

  private fetch(filters: ConsentEventFilters, order: SortOrder, after: KeysetPosition | undefined, limit: number, upTo?: KeysetPosition): Promise<ConsentEventEntity[]> {
    return this.select(filters, order, after, limit, upTo).getMany();
  }

  /** {@link fetch} as raw rows, each column converted by the driver as hydration would, into plain objects. */
  private async fetchRaw(filters: ConsentEventFilters, order: SortOrder, after: KeysetPosition | undefined, limit: number, upTo?: KeysetPosition): Promise<ConsentEventEntity[]> {
    const columns = this.dataSource.getMetadata(ConsentEventEntity).columns;
    const qb = this.select(filters, order, after, limit, upTo).select([]);
    for (const c of columns) qb.addSelect(`e.${c.databaseName}`, c.propertyName);
    const driver = this.dataSource.driver;
    return (await qb.getRawMany<Record<string, unknown>>()).map((raw) => {
      const e: Record<string, unknown> = {};
      for (const c of columns) e[c.propertyName] = driver.prepareHydratedValue(raw[c.propertyName], c);
      return e as unknown as ConsentEventEntity;
    });
  }

  private select(filters: ConsentEventFilters, order: SortOrder, after: KeysetPosition | undefined, limit: number, upTo?: KeysetPosition): SelectQueryBuilder<ConsentEventEntity> {
    const qb = this.dataSource.getRepository(ConsentEventEntity).createQueryBuilder('e');
    // With a category, walk the side table's (category, created_at, event_id) index in key order and join
    // each event by primary key; otherwise the events' own (…, created_at, id) indexes serve the order.
    let createdAt = 'e.createdAt';
    let id = 'e.id';
    if (filters.category !== undefined) {
      qb.innerJoin(ConsentEventCategoryEntity, 'c', 'c.eventId = e.id AND c.category = :category', { category: filters.category });
      createdAt = 'c.createdAt';
      id = 'c.eventId';
    }
    this.applyFilters(qb, filters, createdAt);
    const dir = order === 'desc' ? '<' : '>';
    if (after) {
      // The first conjunct gives the index a range; the second breaks ties within one millisecond.
      qb.andWhere(`${createdAt} ${dir}= :afterT AND (${createdAt} ${dir} :afterT OR ${id} ${dir} :afterId)`, { afterT: after.createdAt, afterId: after.id });
    }
    if (upTo) {
      const back = order === 'desc' ? '>' : '<';
      qb.andWhere(`${createdAt} ${back}= :upToT AND (${createdAt} ${back} :upToT OR ${id} ${back}= :upToId)`, { upToT: upTo.createdAt, upToId: upTo.id });
    }
    const sql = order === 'desc' ? 'DESC' : 'ASC';
    return qb.orderBy(createdAt, sql).addOrderBy(id, sql).limit(limit);
  }

  private applyFilters(qb: SelectQueryBuilder<ConsentEventEntity>, f: ConsentEventFilters, createdAt: string): void {
    if (f.subjectType !== undefined) qb.andWhere('e.subjectType = :subjectType', { subjectType: f.subjectType });
    if (f.subjectId !== undefined) qb.andWhere('e.subjectId = :subjectId', { subjectId: f.subjectId });
    if (f.action !== undefined) qb.andWhere('e.action = :action', { action: f.action });
    if (f.source !== undefined) qb.andWhere('e.source = :source', { source: f.source });
    if (f.from) qb.andWhere(`${createdAt} >= :from`, { from: f.from });
    if (f.to) qb.andWhere(`${createdAt} < :to`, { to: f.to });
  }
}
