import { Injectable, type PipeTransform } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { AdminBadRequestException } from './admin-bad-request.exception.js';
import { assertKnownParams, dateRange, type RawQuery } from './admin-query.parse.js';
import type { ConsentStatsQuery } from './admin-query.types.js';

const DAY_MS = 86_400_000;
/** Bounds the work of one stats request (and the length of `byDay`). */
export const MAX_STATS_DAYS = 366;

/** Validates `GET …/consent/stats`: `from` (default `to` - 30 days) inclusive, `to` (default now) exclusive. */
@Injectable()
export class ConsentStatsQueryPipe implements PipeTransform<RawQuery, ConsentStatsQuery> {
  constructor(private readonly clock: Clock) {}

  transform(query: RawQuery): ConsentStatsQuery {
    assertKnownParams(query, ['from', 'to']);
    const range = dateRange(query);
    const to = range.to ?? new Date(this.clock.now());
    const from = range.from ?? new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() >= to.getTime())
      throw new AdminBadRequestException('from must be before to (from is inclusive, to exclusive).');
    if (to.getTime() - from.getTime() > MAX_STATS_DAYS * DAY_MS)
      throw new AdminBadRequestException(`from and to must be at most ${MAX_STATS_DAYS} days apart.`);
    return { from, to };
  }
}
