import { createHash } from 'node:crypto';

/**
 * The opaque handle of a session: the first 128 bits of SHA-256 of the session ID, base64url (22
 * characters). Redis keys and admin/user views use it; a handle cannot be turned back into the ID (the ID
 * has 192 random bits), so neither a Redis dump nor a session list can be replayed as a cookie. 128 bits
 * keep handles of distinct sessions apart (a collision needs about 2^64 sessions) and the keys short.
 */
export function sessionHandle(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest().subarray(0, 16).toString('base64url');
}

/** What a session handle looks like (route parameters are checked against it). */
export const SESSION_HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;
