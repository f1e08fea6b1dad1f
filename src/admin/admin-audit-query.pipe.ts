import { Injectable, type PipeTransform } from '@nestjs/common';
import { assertKnownParams, dateRange, matching, pageLimit, single, type RawQuery } from './admin-query.parse.js';
import type { AdminAuditQuery } from './admin-query.types.js';

const TOKEN_RE = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Validates `GET …/audit` query strings. */
@Injectable()
export class AdminAuditQueryPipe implements PipeTransform<RawQuery, AdminAuditQuery> {
  transform(query: RawQuery): AdminAuditQuery {
    assertKnownParams(query, ['actorId', 'action', 'targetType', 'targetId', 'from', 'to', 'limit', 'cursor']);
    const token = (name: string) => matching(query, name, TOKEN_RE, '1-128 letters, digits, _ . : @ or -');
    return {
      actorId: token('actorId'),
      action: token('action'),
      targetType: token('targetType'),
      targetId: token('targetId'),
      ...dateRange(query),
      limit: pageLimit(query),
      cursor: single(query, 'cursor'),
    };
  }
}
