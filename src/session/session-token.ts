import { createHash } from 'node:crypto';

/**
 * The opaque handle of a session: SHA-256 of the session ID, base64url. Redis keys and admin/user views use
 * it; a handle cannot be turned back into the ID, so neither a Redis dump nor a session list can be
 * replayed as a cookie.
 */
export function sessionHandle(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('base64url');
}
