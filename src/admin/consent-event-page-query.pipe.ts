import { Injectable, type PipeTransform } from '@nestjs/common';
import { oneOf, pageLimit, single, type RawQuery } from './admin-query.parse.js';
import type { ConsentEventPageQuery } from './admin-query.types.js';
import { parseConsentEventFilters } from './consent-event-filters.parse.js';

/** Validates `GET …/consent/events` query strings (whatever pipe the app registers globally). */
@Injectable()
export class ConsentEventPageQueryPipe implements PipeTransform<RawQuery, ConsentEventPageQuery> {
  transform(query: RawQuery): ConsentEventPageQuery {
    const filters = parseConsentEventFilters(query, ['limit', 'cursor', 'order']);
    return {
      ...filters,
      limit: pageLimit(query),
      cursor: single(query, 'cursor'),
      order: oneOf(query, 'order', ['asc', 'desc'] as const) ?? 'desc',
    };
  }
}
