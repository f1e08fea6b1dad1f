import { Injectable, type PipeTransform } from '@nestjs/common';
import type { ConsentSubject } from '../consent/consent-subject.js';
import { AdminBadRequestException } from './admin-bad-request.exception.js';
import { assertKnownParams, matching, oneOf, type RawQuery } from './admin-query.parse.js';
import { CONSENT_SUBJECT_TYPES } from './admin-query.types.js';
import { SUBJECT_ID_RE } from './consent-event-filters.parse.js';

/** Validates `GET …/consent/verify`: both `subjectType` and `subjectId` (one subject) or neither (every subject). */
@Injectable()
export class ConsentVerifyQueryPipe implements PipeTransform<RawQuery, ConsentSubject | null> {
  transform(query: RawQuery): ConsentSubject | null {
    assertKnownParams(query, ['subjectType', 'subjectId']);
    const type = oneOf(query, 'subjectType', CONSENT_SUBJECT_TYPES);
    const id = matching(query, 'subjectId', SUBJECT_ID_RE, '1-64 letters, digits, _ . : or -');
    if ((type === undefined) !== (id === undefined))
      throw new AdminBadRequestException(
        'Give subjectType and subjectId together (one subject), or neither (every subject).',
      );
    return type && id ? { type, id } : null;
  }
}
