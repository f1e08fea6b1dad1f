import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions, ApiQuery } from '@nestjs/swagger';
import { DECISIONS_SCHEMA, NULLABLE_DATE_TIME } from '../common/openapi.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './admin-query.parse.js';
import { CONSENT_EVENT_ACTIONS, CONSENT_EVENT_SOURCES, CONSENT_SUBJECT_TYPES } from './admin-query.types.js';
import { DEFAULT_USER_PAGE_LIMIT, MAX_USER_PAGE_LIMIT } from './admin-user-query.pipe.js';

type QueryDoc = { description: string; schema: Record<string, unknown> };

const DATE = { type: 'string', description: 'ISO 8601 date (2025-01-31, UTC midnight) or date-time with a zone' };
const TOKEN = { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,128}$' };

/** Every query parameter the admin pipes accept, as documented. */
const QUERY: Record<string, QueryDoc> = {
  subjectType: {
    description: 'user or visitor; needed with subjectId',
    schema: { type: 'string', enum: [...CONSENT_SUBJECT_TYPES] },
  },
  subjectId: { description: 'a user ID or visitor ID', schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } },
  category: {
    description: 'events whose decisions name this category key',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
  action: { description: 'the event action', schema: { type: 'string', enum: [...CONSENT_EVENT_ACTIONS] } },
  source: { description: 'the event source', schema: { type: 'string', enum: [...CONSENT_EVENT_SOURCES] } },
  from: { description: 'inclusive lower bound', schema: { ...DATE, format: 'date-time' } },
  to: { description: 'exclusive upper bound', schema: { ...DATE, format: 'date-time' } },
  limit: {
    description: `page size, 1-${MAX_PAGE_LIMIT}`,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
  },
  cursor: { description: 'nextCursor of the previous page (bound to the same filters)', schema: { type: 'string' } },
  order: { description: 'desc (newest first) or asc', schema: { type: 'string', enum: ['desc', 'asc'] } },
  format: { description: 'the export format', schema: { type: 'string', enum: ['csv', 'ndjson'], default: 'csv' } },
  actorId: { description: 'the acting admin', schema: TOKEN },
  auditAction: { description: 'the audit action, such as consent.events.read or user.disable', schema: TOKEN },
  targetType: { description: 'the target type, such as user, session, consent-events', schema: TOKEN },
  targetId: { description: 'the target ID', schema: TOKEN },
  query: {
    description: 'a username prefix (folded as usernames are); none lists every user',
    schema: { type: 'string', maxLength: 254 },
  },
  userLimit: {
    description: `page size, 1-${MAX_USER_PAGE_LIMIT}`,
    schema: { type: 'integer', minimum: 1, maximum: MAX_USER_PAGE_LIMIT, default: DEFAULT_USER_PAGE_LIMIT },
  },
};

/** `@ApiQuery` for each named parameter (`auditAction` documents `action`, `userLimit` documents `limit`). */
export function ApiQueries(...names: string[]): MethodDecorator {
  return applyDecorators(
    ...names.map((key) => {
      const name = key === 'auditAction' ? 'action' : key === 'userLimit' ? 'limit' : key;
      return ApiQuery({ name, required: false, description: QUERY[key].description, schema: QUERY[key].schema });
    }),
  );
}

export const EVENT_FILTERS = ['subjectType', 'subjectId', 'category', 'action', 'source', 'from', 'to'];

/** OpenAPI shapes of the admin answers. */
export class ConsentRecordResponse {
  @ApiProperty({ type: String }) id: string;
  @ApiProperty({ type: String }) policyVersion: string;
  @ApiProperty({ type: String }) policyHash: string;
  @ApiProperty(DECISIONS_SCHEMA) decisions: Record<string, boolean>;
  @ApiProperty({ type: String }) source: string;
  @ApiProperty({ type: Boolean }) gpc: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) decidedAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: Boolean }) expired: boolean;
  @ApiProperty({ type: String, nullable: true }) linkedUserId: string | null;
  @ApiProperty({ type: Number }) version: number;
}

export class ConsentHistorySummaryResponse {
  @ApiProperty({ type: Number }) events: number;
  @ApiProperty(NULLABLE_DATE_TIME) firstEventAt: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) lastEventAt: string | null;
  @ApiProperty({ type: String, nullable: true }) lastAction: string | null;
}

export class ConsentSubjectResponse {
  @ApiProperty({ type: String, enum: ['user', 'visitor'] }) subjectType: string;
  @ApiProperty({ type: String }) subjectId: string;
  @ApiProperty({ type: ConsentRecordResponse, nullable: true }) record: ConsentRecordResponse | null;
  @ApiProperty({ type: ConsentHistorySummaryResponse }) history: ConsentHistorySummaryResponse;
  @ApiProperty({
    type: [String],
    required: false,
    description: 'For a user: visitor IDs linked at login (at most 100).',
  })
  linkedVisitors?: string[];
}

export class ConsentEventResponse {
  @ApiProperty({ type: String }) id: string;
  @ApiProperty({ type: String, enum: ['user', 'visitor'] }) subjectType: string;
  @ApiProperty({ type: String }) subjectId: string;
  @ApiProperty({ type: Number }) seq: number;
  @ApiProperty({ type: String, enum: [...CONSENT_EVENT_ACTIONS] }) action: string;
  @ApiProperty({ ...DECISIONS_SCHEMA, nullable: true }) decisionsBefore: Record<string, boolean> | null;
  @ApiProperty(DECISIONS_SCHEMA) decisionsAfter: Record<string, boolean>;
  @ApiProperty({ type: String }) policyVersion: string;
  @ApiProperty({ type: String }) policyHash: string;
  @ApiProperty({ type: String, enum: [...CONSENT_EVENT_SOURCES] }) source: string;
  @ApiProperty({ type: String, nullable: true }) locale: string | null;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, nullable: true }) prevHash: string | null;
  @ApiProperty({ type: String }) hash: string;
}

export class ConsentEventPageResponse {
  @ApiProperty({ type: [ConsentEventResponse] }) items: ConsentEventResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'null on the last page' }) nextCursor: string | null;
}

const BY_CATEGORY: ApiPropertyOptions = {
  type: 'object',
  description: 'per category key',
  additionalProperties: {
    type: 'object',
    properties: {
      granted: { type: 'integer' },
      refused: { type: 'integer' },
      rate: {
        type: 'number',
        nullable: true,
        description: 'granted / (granted + refused), 4 decimals; null without decisions',
      },
    },
  },
};

export class ConsentStatsDayResponse {
  @ApiProperty({ type: String, format: 'date' }) day: string;
  @ApiProperty({ type: Number }) decisions: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'grant, refuse, update, withdraw',
  })
  byAction: Record<string, number>;
  @ApiProperty(BY_CATEGORY) byCategory: Record<string, { granted: number; refused: number; rate: number | null }>;
}

export class ConsentStatsResponse {
  @ApiProperty({ type: String, format: 'date-time' }) from: string;
  @ApiProperty({ type: String, format: 'date-time' }) to: string;
  @ApiProperty({ type: Number }) decisions: number;
  @ApiProperty(BY_CATEGORY) byCategory: Record<string, { granted: number; refused: number; rate: number | null }>;
  @ApiProperty({ type: [ConsentStatsDayResponse] }) byDay: ConsentStatsDayResponse[];
}

export class ConsentVerifyResponse {
  @ApiProperty({ type: Boolean }) ok: boolean;
  @ApiProperty({ type: Number, description: 'events whose hash was recomputed' }) checked: number;
  @ApiProperty({ type: Number, required: false, description: 'the first broken seq' }) brokenAt?: number;
  @ApiProperty({ type: String, required: false }) reason?: string;
}

export class AdminUserResponse {
  @ApiProperty({ type: String }) id: string;
  @ApiProperty({ type: String }) username: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ type: Boolean }) disabled: boolean;
  @ApiProperty({ type: Number, description: 'live sessions' }) sessions: number;
  @ApiProperty(NULLABLE_DATE_TIME) lastSignInAt: string | null;
}

export class AdminUserPageResponse {
  @ApiProperty({ type: [AdminUserResponse] }) items: AdminUserResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class AdminSessionResponse {
  @ApiProperty({ type: String }) userId: string;
  @ApiProperty({ type: String, description: 'opaque handle, never the session ID' }) handle: string;
  @ApiProperty(NULLABLE_DATE_TIME) createdAt: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) lastSeenAt: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) idleExpiresAt: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) absoluteExpiresAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'truncated: IPv4 /24, IPv6 /48' }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;
  @ApiProperty({ type: Boolean }) remember: boolean;
  @ApiProperty({ type: Boolean, description: "the admin's own session" }) current: boolean;
}

export class AdminActorResponse {
  @ApiProperty({ type: String }) id: string;
  @ApiProperty({ type: String }) username: string;
}

export class AdminAuditTargetResponse {
  @ApiProperty({ type: String }) type: string;
  @ApiProperty({ type: String, nullable: true }) id: string | null;
}

export class AdminAuditEntryResponse {
  @ApiProperty({ type: String }) id: string;
  @ApiProperty({ type: String, format: 'date-time' }) at: string;
  @ApiProperty({ type: AdminActorResponse }) actor: AdminActorResponse;
  @ApiProperty({ type: String }) action: string;
  @ApiProperty({ type: AdminAuditTargetResponse }) target: AdminAuditTargetResponse;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) details: Record<string, unknown> | null;
}

export class AdminAuditPageResponse {
  @ApiProperty({ type: [AdminAuditEntryResponse] }) items: AdminAuditEntryResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
