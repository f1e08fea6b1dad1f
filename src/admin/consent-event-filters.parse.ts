import { AdminBadRequestException } from './admin-bad-request.exception.js';
import { assertKnownParams, dateRange, matching, oneOf, type RawQuery } from './admin-query.parse.js';
import {
  CONSENT_EVENT_ACTIONS,
  CONSENT_EVENT_SOURCES,
  CONSENT_SUBJECT_TYPES,
  type ConsentEventFilters,
} from './admin-query.types.js';

export const FILTER_PARAMS = ['subjectType', 'subjectId', 'category', 'action', 'source', 'from', 'to'] as const;

/** Subject IDs are user UUIDs or random visitor IDs: short, URL-safe tokens. */
export const SUBJECT_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
export const CATEGORY_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The event filters of a query string, validated; anything malformed is a 400. */
export function parseConsentEventFilters(query: RawQuery, extraParams: readonly string[]): ConsentEventFilters {
  assertKnownParams(query, [...FILTER_PARAMS, ...extraParams]);
  const filters: ConsentEventFilters = {
    subjectType: oneOf(query, 'subjectType', CONSENT_SUBJECT_TYPES),
    subjectId: matching(query, 'subjectId', SUBJECT_ID_RE, '1-64 letters, digits, _ . : or -'),
    category: matching(query, 'category', CATEGORY_RE, 'a category key (1-64 letters, digits, _ or -)'),
    action: oneOf(query, 'action', CONSENT_EVENT_ACTIONS),
    source: oneOf(query, 'source', CONSENT_EVENT_SOURCES),
    ...dateRange(query),
  };
  if (filters.subjectId !== undefined && filters.subjectType === undefined) {
    throw new AdminBadRequestException('subjectId needs subjectType (user or visitor).');
  }
  return filters;
}

/** A stable text of the filters and order: cursors are bound to it, so a cursor cannot be replayed on another query. */
export function filterScope(list: string, filters: ConsentEventFilters, order: string): string {
  return JSON.stringify([
    list,
    order,
    filters.subjectType ?? null,
    filters.subjectId ?? null,
    filters.category ?? null,
    filters.action ?? null,
    filters.source ?? null,
    filters.from?.getTime() ?? null,
    filters.to?.getTime() ?? null,
  ]);
}
