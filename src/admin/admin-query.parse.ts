import { AdminBadRequestException } from './admin-bad-request.exception.js';

/** The raw query object Express hands over: strings, or arrays when a parameter repeats. */
export type RawQuery = Record<string, unknown>;

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 500;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

function fail(message: string): never {
  throw new AdminBadRequestException(message);
}

/** Rejects parameters the endpoint does not know, so a typo (`subjectid`) never silently widens a query. */
export function assertKnownParams(query: RawQuery, known: readonly string[]): void {
  for (const key of Object.keys(query ?? {})) {
    if (!known.includes(key)) fail(`Unknown query parameter '${key}'; allowed: ${known.join(', ')}.`);
  }
}

/** One string value or undefined; a repeated parameter or an empty one is a 400. */
export function single(query: RawQuery, name: string): string | undefined {
  const value = query?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`${name} must be given once.`);
  if (value === '') fail(`${name} must not be empty.`);
  return value;
}

export function oneOf<T extends string>(query: RawQuery, name: string, allowed: readonly T[]): T | undefined {
  const value = single(query, name);
  if (value !== undefined && !allowed.includes(value as T))
    fail(`${name} must be one of ${allowed.join(', ')}; got '${value.slice(0, 40)}'.`);
  return value as T | undefined;
}

export function matching(query: RawQuery, name: string, re: RegExp, what: string): string | undefined {
  const value = single(query, name);
  if (value !== undefined && !re.test(value)) fail(`${name} must be ${what}.`);
  return value;
}

/**
 * An ISO 8601 date (`2025-01-31`, UTC midnight) or date-time with a zone (`2025-01-31T12:00:00Z`,
 * `…+02:00`). Impossible dates such as Feb 30 are rejected rather than rolled over.
 */
export function isoDate(query: RawQuery, name: string): Date | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const m = DATE_RE.exec(value);
  const bad = () =>
    fail(`${name} must be an ISO 8601 date such as 2025-01-31 or 2025-01-31T12:00:00Z; got '${value.slice(0, 40)}'.`);
  if (!m) return bad();
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (year < 1970 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return bad();
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return bad();
  const date = new Date(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? bad() : date;
}

export function dateRange(query: RawQuery): { from?: Date; to?: Date } {
  const from = isoDate(query, 'from');
  const to = isoDate(query, 'to');
  if (from && to && from.getTime() >= to.getTime()) fail('from must be before to (from is inclusive, to exclusive).');
  return { from, to };
}

export function pageLimit(query: RawQuery): number {
  const value = single(query, 'limit');
  if (value === undefined) return DEFAULT_PAGE_LIMIT;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PAGE_LIMIT)
    fail(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}.`);
  return Number(value);
}
