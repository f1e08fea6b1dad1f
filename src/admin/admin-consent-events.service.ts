import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { AdminCursorCodec, type KeysetPosition } from './admin-cursor.codec.js';
import { pgEachRow } from '../database/pg-row-stream.js';
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
        nextCursor:
          rows.length > query.limit
            ? this.cursors.encode({ createdAt: last.createdAt, id: String(last.id) }, scope)
            : null,
      };
    });
  }

  /**
   * The matching events in keyset batches, for exports: raw rows turned straight into views (no entity
   * hydration). The set is fixed when the first batch is read: events inserted after that point with a later
   * key are left out, so an export under write load ends.
   */
  async *batches(
    filters: ConsentEventFilters,
    order: SortOrder,
    batchSize = EXPORT_BATCH_SIZE,
  ): AsyncGenerator<ConsentEventView[]> {
    let upTo: KeysetPosition | undefined;
    if (order === 'asc') {
      const [newest] = await withDatabase(this.logger, 'Exporting consent events', () =>
        this.fetch(filters, 'desc', undefined, 1),
      );
      if (!newest) return;
      upTo = { createdAt: newest.createdAt, id: String(newest.id) };
    }
    let after: KeysetPosition | undefined;
    for (;;) {
      const views = (
        await withDatabase(this.logger, 'Exporting consent events', () =>
          this.fetchRaw(filters, order, after, batchSize, upTo),
        )
      ).map(toConsentEventView);
      if (views.length === 0) return;
      const last = views[views.length - 1];
      after = { createdAt: new Date(last.createdAt), id: last.id };
      const more = views.length === batchSize;
      // Nothing of the batch stays referenced here while the consumer works on it.
      yield views.splice(0);
      if (!more) return;
    }
  }

  /**
   * The matching events encoded by `encode`, a keyset batch at a time, each batch as chunks of `chunkRows`
   * events' text (what an export writes). On PostgreSQL each row is encoded as node-postgres parses it and is
   * never kept: under load a batch's result takes long enough to arrive that its rows, accumulated, outlived two
   * young-generation collections and were promoted (about 1 MB a batch), which grew the heap by 100 MB and more
   * before a full collection ran; only the encoded text of a batch is held now. Other databases encode each
   * batch of {@link batches}.
   */
  async *encodedBatches(
    filters: ConsentEventFilters,
    order: SortOrder,
    encode: (e: ConsentEventView) => string,
    chunkRows: number,
    batchSize = EXPORT_BATCH_SIZE,
  ): AsyncGenerator<{ chunks: string[]; rows: number }> {
    if (this.dataSource.options.type !== 'postgres') {
      for await (const batch of this.batches(filters, order, batchSize)) {
        const chunks: string[] = [];
        for (let i = 0; i < batch.length; i += chunkRows) {
          let chunk = '';
          for (let j = i; j < Math.min(i + chunkRows, batch.length); j++) chunk += encode(batch[j]);
          chunks.push(chunk);
        }
        yield { chunks, rows: batch.length };
      }
      return;
    }
    let upTo: KeysetPosition | undefined;
    if (order === 'asc') {
      const [newest] = await withDatabase(this.logger, 'Exporting consent events', () =>
        this.fetch(filters, 'desc', undefined, 1),
      );
      if (!newest) return;
      upTo = { createdAt: newest.createdAt, id: String(newest.id) };
    }
    const columns = this.dataSource.getMetadata(ConsentEventEntity).columns;
    const driver = this.dataSource.driver;
    let after: KeysetPosition | undefined;
    for (;;) {
      const qb = this.select(filters, order, after, batchSize, upTo).select([]);
      for (const c of columns) qb.addSelect(`e.${c.databaseName}`, c.propertyName);
      const [sql, params] = qb.getQueryAndParameters();
      const chunks: string[] = [];
      let chunk = '';
      let rows = 0;
      let last: ConsentEventView | undefined;
      await withDatabase(this.logger, 'Exporting consent events', () =>
        this.pgEachRow(sql, params, (raw) => {
          const e: Record<string, unknown> = {};
          for (const c of columns) e[c.propertyName] = driver.prepareHydratedValue(raw[c.propertyName], c);
          last = toConsentEventView(e as unknown as ConsentEventEntity);
          chunk += encode(last);
          if (++rows % chunkRows === 0) {
            chunks.push(chunk);
            chunk = '';
          }
        }),
      );
      if (chunk !== '') chunks.push(chunk);
      if (rows === 0 || !last) return;
      after = { createdAt: new Date(last.createdAt), id: last.id };
      yield { chunks: chunks.splice(0), rows };
      if (rows < batchSize) return;
    }
  }

  /** PostgreSQL: `sql` on a connection of the pool, each row handed to `onRow` as it is parsed (see {@link pgEachRow}). */
  private async pgEachRow(
    sql: string,
    params: unknown[],
    onRow: (raw: Record<string, unknown>) => void,
  ): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await pgEachRow(this.dataSource, runner, sql, params, onRow);
    } finally {
      await runner.release();
    }
  }

  private fetch(
    filters: ConsentEventFilters,
    order: SortOrder,
    after: KeysetPosition | undefined,
    limit: number,
    upTo?: KeysetPosition,
  ): Promise<ConsentEventEntity[]> {
    return this.select(filters, order, after, limit, upTo).getMany();
  }

  /** {@link fetch} as raw rows, each column converted by the driver as hydration would, into plain objects. */
  private async fetchRaw(
    filters: ConsentEventFilters,
    order: SortOrder,
    after: KeysetPosition | undefined,
    limit: number,
    upTo?: KeysetPosition,
  ): Promise<ConsentEventEntity[]> {
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

  private select(
    filters: ConsentEventFilters,
    order: SortOrder,
    after: KeysetPosition | undefined,
    limit: number,
    upTo?: KeysetPosition,
  ): SelectQueryBuilder<ConsentEventEntity> {
    const qb = this.dataSource.getRepository(ConsentEventEntity).createQueryBuilder('e');
    // With a category, walk the side table's (category, created_at, event_id) index in key order and join
    // each event by primary key; otherwise the events' own (…, created_at, id) indexes serve the order.
    let createdAt = 'e.createdAt';
    let id = 'e.id';
    if (filters.category !== undefined) {
      qb.innerJoin(ConsentEventCategoryEntity, 'c', 'c.eventId = e.id AND c.category = :category', {
        category: filters.category,
      });
      createdAt = 'c.createdAt';
      id = 'c.eventId';
    }
    this.applyFilters(qb, filters, createdAt);
    const dir = order === 'desc' ? '<' : '>';
    if (after) {
      // The first conjunct gives the index a range; the second breaks ties within one millisecond.
      qb.andWhere(`${createdAt} ${dir}= :afterT AND (${createdAt} ${dir} :afterT OR ${id} ${dir} :afterId)`, {
        afterT: after.createdAt,
        afterId: after.id,
      });
    }
    if (upTo) {
      const back = order === 'desc' ? '>' : '<';
      qb.andWhere(`${createdAt} ${back}= :upToT AND (${createdAt} ${back} :upToT OR ${id} ${back}= :upToId)`, {
        upToT: upTo.createdAt,
        upToId: upTo.id,
      });
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
