import { Inject, Injectable } from '@nestjs/common';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { AdminBadRequestException } from './admin-bad-request.exception.js';

/** The position after the last row of a page: its (created_at, id) key. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

const MAX_CURSOR_LENGTH = 400;

/**
 * Opaque keyset cursors: base64url JSON of the last row's (created_at, id) plus a digest of the query it
 * belongs to, signed with an HMAC derived from the first session secret. A cursor that was edited, comes
 * from another query or another secret is a 400, never a 500 and never a silent full scan.
 */
@Injectable()
export class AdminCursorCodec {
  private readonly key: Buffer;

  constructor(@Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions) {
    // A key of its own, so a cursor MAC can never be mistaken for (or help forge) a session cookie signature.
    this.key = createHmac('sha256', options.session.secrets[0]).update('nestjs-auth-consent/admin-cursor/v1').digest();
  }

  /** `scope` names the list and its filters (see {@link scopeOf}); the cursor only decodes under the same scope. */
  encode(position: KeysetPosition, scope: string): string {
    const payload = Buffer.from(
      JSON.stringify({ t: position.createdAt.getTime(), i: position.id, s: this.digest(scope) }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  decode(cursor: string, scope: string): KeysetPosition {
    const bad = (): never => {
      throw new AdminBadRequestException(
        'cursor is invalid: use the nextCursor of the previous page with the same filters.',
      );
    };
    if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) bad();
    const [payload, mac] = cursor.split('.');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) bad();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return bad();
    }
    const { t, i, s } = (parsed ?? {}) as { t?: unknown; i?: unknown; s?: unknown };
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || typeof i !== 'string' || !/^\d{1,19}$/.test(i)) bad();
    if (s !== this.digest(scope)) {
      throw new AdminBadRequestException('cursor belongs to another query: keep the same filters while paging.');
    }
    return { createdAt: new Date(t as number), id: i as string };
  }

  /** A cursor on a unique string key (the user search pages by username), under `scope` like {@link encode}. */
  encodeKey(key: string, scope: string): string {
    const payload = Buffer.from(JSON.stringify({ k: key, s: this.digest(scope) })).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  decodeKey(cursor: string, scope: string): string {
    const bad = (): never => {
      throw new AdminBadRequestException(
        'cursor is invalid: use the nextCursor of the previous page with the same filters.',
      );
    };
    if (cursor.length > 2 * MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) bad();
    const [payload, mac] = cursor.split('.');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) bad();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return bad();
    }
    const { k, s } = (parsed ?? {}) as { k?: unknown; s?: unknown };
    if (typeof k !== 'string') bad();
    if (s !== this.digest(scope))
      throw new AdminBadRequestException('cursor belongs to another query: keep the same filters while paging.');
    return k as string;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, 16).toString('base64url');
  }

  private digest(scope: string): string {
    return createHash('sha256').update(scope).digest().subarray(0, 9).toString('base64url');
  }
}
