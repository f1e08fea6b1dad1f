/** Subjects whose consent is recorded. */
export type ConsentSubjectType = 'user' | 'visitor';

export const CONSENT_SUBJECT_TYPES: readonly ConsentSubjectType[] = ['user', 'visitor'];
/** Event actions and sources (docs/consent.md); filters outside these sets are a 400. */
export const CONSENT_EVENT_ACTIONS = ['grant', 'refuse', 'update', 'withdraw', 'expire', 'link', 'erase'] as const;
export const CONSENT_EVENT_SOURCES = ['banner', 'settings', 'api', 'gpc', 'login', 'admin', 'system'] as const;
/** Actions that are a decision of the subject: what the stats count. */
export const CONSENT_DECISION_ACTIONS = ['grant', 'refuse', 'update', 'withdraw'] as const;

export type SortOrder = 'asc' | 'desc';

/** Filters shared by the event list, the export and (in part) the stats. `from` is inclusive, `to` exclusive. */
export interface ConsentEventFilters {
  subjectType?: ConsentSubjectType;
  subjectId?: string;
  category?: string;
  action?: string;
  source?: string;
  from?: Date;
  to?: Date;
}

export interface ConsentEventPageQuery extends ConsentEventFilters {
  /** 1..500, default 100. */
  limit: number;
  cursor?: string;
  /** Default `desc` (newest first). */
  order: SortOrder;
}

export interface ConsentEventExportQuery extends ConsentEventFilters {
  format: 'csv' | 'ndjson';
  /** Default `asc` (chronological). */
  order: SortOrder;
}

export interface ConsentStatsQuery {
  from: Date;
  to: Date;
}

export interface AdminAuditQuery {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/** A page of a keyset-paginated admin list; `nextCursor` is null on the last page. */
export interface AdminPage<T> {
  items: T[];
  nextCursor: string | null;
}
