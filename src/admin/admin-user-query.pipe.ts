import { Injectable, type PipeTransform } from '@nestjs/common';
import { foldUsername, mayNameAnAccount } from '../auth/username.js';
import { AdminBadRequestException } from './admin-bad-request.exception.js';
import { assertKnownParams, single, type RawQuery } from './admin-query.parse.js';

export const DEFAULT_USER_PAGE_LIMIT = 20;
export const MAX_USER_PAGE_LIMIT = 100;

/** `GET …/users`: a username prefix (folded as usernames are), a page size and a cursor. */
export interface AdminUserQuery {
  /** Folded; '' lists every user. */
  query: string;
  limit: number;
  cursor?: string;
}

/** Validates `GET …/users?query=&limit=&cursor=`; an empty or absent `query` lists every user. */
@Injectable()
export class AdminUserQueryPipe implements PipeTransform<RawQuery, AdminUserQuery> {
  transform(raw: RawQuery): AdminUserQuery {
    assertKnownParams(raw, ['query', 'limit', 'cursor']);
    const value = raw?.query;
    if (value !== undefined && typeof value !== 'string')
      throw new AdminBadRequestException('query must be given once.');
    const query = foldUsername(value ?? '');
    if (query.length > 254 || (query !== '' && !mayNameAnAccount(query)))
      throw new AdminBadRequestException('query must be at most 254 characters without control characters.');
    const limit = single(raw, 'limit');
    if (limit !== undefined && (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_USER_PAGE_LIMIT)) {
      throw new AdminBadRequestException(`limit must be an integer from 1 to ${MAX_USER_PAGE_LIMIT}.`);
    }
    return {
      query,
      limit: limit === undefined ? DEFAULT_USER_PAGE_LIMIT : Number(limit),
      cursor: single(raw, 'cursor'),
    };
  }
}
