import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { withDatabase } from './admin-database.js';
import { CONSENT_DECISION_ACTIONS, type ConsentStatsQuery } from './admin-query.types.js';
import { ConsentEventCategoryEntity } from '../consent/consent-event-category.entity.js';

export interface CategoryStats {
  granted: number;
  refused: number;
  /** granted / (granted + refused), 4 decimals; null without decisions. */
  rate: number | null;
}

/** `GET /admin/consent/stats`. */
export interface ConsentStatsView {
  from: string;
  to: string;
  /** Decision events (grant, refuse, update, withdraw) in [from, to). */
  decisions: number;
  byCategory: Record<string, CategoryStats>;
  /** One entry per UTC day that has decisions, oldest first. */
  byDay: Array<ConsentStatsDay>;
}

/** One UTC day of the stats. */
export interface ConsentStatsDay {
  day: string;
  decisions: number;
  /** The day's decisions by action (`grant`, `refuse`, `update`, `withdraw`; each present, 0 when none). */
  byAction: Record<string, number>;
  byCategory: Record<string, CategoryStats>;
}

/** Truthy values as each driver returns a boolean column (true, 1, '1', 't'). */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

function rate(granted: number, refused: number): number | null {
  return granted + refused === 0 ? null : Math.round((granted / (granted + refused)) * 10_000) / 10_000;
}

/**
 * Consent statistics over a period: for every decision event, each category's outcome after the event counts
 * as granted or refused. Reads the side table's covering (created_at, category, granted_after, action) index.
 */
@Injectable()
export class AdminConsentStatsService {
  private readonly logger = new Logger(AdminConsentStatsService.name);

  constructor(@Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async stats({ from, to }: ConsentStatsQuery): Promise<ConsentStatsView> {
    return withDatabase(this.logger, 'Computing consent stats', async () => {
      const actions = [...CONSENT_DECISION_ACTIONS];
      const [outcomes, perDay] = await Promise.all([
        this.dataSource
          .getRepository(ConsentEventCategoryEntity)
          .createQueryBuilder('c')
          .select(this.day('c.created_at'), 'day')
          .addSelect('c.category', 'category')
          .addSelect('c.granted_after', 'granted')
          .addSelect('COUNT(*)', 'n')
          .where('c.createdAt >= :from AND c.createdAt < :to', { from, to })
          .andWhere('c.action IN (:...actions)', { actions })
          .andWhere('c.grantedAfter IS NOT NULL')
          .groupBy(this.day('c.created_at'))
          .addGroupBy('c.category')
          .addGroupBy('c.granted_after')
          .getRawMany<{ day: string; category: string; granted: unknown; n: string | number }>(),
        this.dataSource
          .getRepository(ConsentEventEntity)
          .createQueryBuilder('e')
          .select(this.day('e.created_at'), 'day')
          .addSelect('e.action', 'action')
          .addSelect('COUNT(*)', 'n')
          .where('e.action IN (:...actions)', { actions })
          .andWhere('e.createdAt >= :from AND e.createdAt < :to', { from, to })
          .groupBy(this.day('e.created_at'))
          .addGroupBy('e.action')
          .getRawMany<{ day: string; action: string; n: string | number }>(),
      ]);

      const days = new Map<string, ConsentStatsDay>();
      const dayOf = (day: string) => {
        let entry = days.get(day);
        if (!entry)
          days.set(
            day,
            (entry = { day, decisions: 0, byAction: Object.fromEntries(actions.map((a) => [a, 0])), byCategory: {} }),
          );
        return entry;
      };
      for (const row of perDay) {
        const entry = dayOf(String(row.day));
        entry.decisions += Number(row.n);
        entry.byAction[row.action] = Number(row.n);
      }
      const total: Record<string, CategoryStats> = {};
      for (const row of outcomes) {
        const n = Number(row.n);
        const key = truthy(row.granted) ? 'granted' : 'refused';
        for (const bucket of [total, dayOf(String(row.day)).byCategory]) {
          bucket[row.category] ??= { granted: 0, refused: 0, rate: null };
          bucket[row.category][key] += n;
        }
      }
      const withRates = (byCategory: Record<string, CategoryStats>) => {
        for (const s of Object.values(byCategory)) s.rate = rate(s.granted, s.refused);
        return byCategory;
      };
      const byDay = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
      for (const d of byDay) withRates(d.byCategory);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        decisions: byDay.reduce((sum, d) => sum + d.decisions, 0),
        byCategory: withRates(total),
        byDay,
      };
    });
  }

  /** The UTC day (YYYY-MM-DD) of a timestamp column, in each database's dialect. */
  private day(column: string): string {
    switch (this.dataSource.options.type) {
      case 'postgres':
        return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
      case 'mysql':
      case 'mariadb':
        // The module's connection keeps DATETIME values in UTC (timezone 'Z').
        return `DATE_FORMAT(${column}, '%Y-%m-%d')`;
      default:
        // TypeORM stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.SSS' UTC text.
        return `substr(${column}, 1, 10)`;
    }
  }
}
