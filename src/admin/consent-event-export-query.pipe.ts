import { Injectable, type PipeTransform } from '@nestjs/common';
import { oneOf, type RawQuery } from './admin-query.parse.js';
import type { ConsentEventExportQuery } from './admin-query.types.js';
import { parseConsentEventFilters } from './consent-event-filters.parse.js';

/** Validates `GET …/consent/events/export` query strings: the list's filters, `format` and `order`. */
@Injectable()
export class ConsentEventExportQueryPipe implements PipeTransform<RawQuery, ConsentEventExportQuery> {
  transform(query: RawQuery): ConsentEventExportQuery {
    const filters = parseConsentEventFilters(query, ['format', 'order']);
    return {
      ...filters,
      format: oneOf(query, 'format', ['csv', 'ndjson'] as const) ?? 'csv',
      order: oneOf(query, 'order', ['asc', 'desc'] as const) ?? 'asc',
    };
  }
}
