import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Session IDs, handles and the Redis hash tag they carry.
 *
 * A session ID is `<tag><random>`: a 6-character tag, then 192 random bits (what express-session's own
 * `genid` draws). A signed-in session's tag is its user's tag, a keyed hash of the user ID (it names no
 * user to whoever sees the cookie); an anonymous session's tag is random. Every Redis key of a session and
 * of its user (index, epoch) carries the tag in `{…}`, so on a Redis Cluster a script that changes them
 * together touches one slot.
 *
 * A handle is the tag plus the first 128 bits of SHA-256 of the ID: Redis keys and session lists use it,
 * and it cannot be turned back into the ID, so neither a Redis dump nor a list can be replayed as a cookie.
 */
export const TAG_LENGTH = 6;
const ID_LENGTH = TAG_LENGTH + 32;

/** What a session handle looks like (route parameters are checked against it). */
export const SESSION_HANDLE_PATTERN = /^[A-Za-z0-9_-]{28}$/;

export function randomTag(): string {
  return randomBytes(6).toString('base64url').slice(0, TAG_LENGTH);
}

/** A new session ID under `tag`. */
export function newSessionId(tag: string): string {
  return tag + randomBytes(24).toString('base64url');
}

/** The tag a session ID carries; an ID of another shape (express-session's own) gets one from its hash. */
export function tagOfSessionId(sessionId: string): string {
  if (sessionId.length === ID_LENGTH) return sessionId.slice(0, TAG_LENGTH);
  return createHash('sha256').update(sessionId, 'utf8').digest('base64url').slice(0, TAG_LENGTH);
}

/** The opaque handle of a session ID (see above). */
export function sessionHandle(sessionId: string): string {
  const digest = createHash('sha256').update(sessionId, 'utf8').digest().subarray(0, 16).toString('base64url');
  return tagOfSessionId(sessionId) + digest;
}

export function tagOfHandle(handle: string): string {
  return handle.slice(0, TAG_LENGTH);
}

const TAGS_CACHED = 10_000;

/** Users' tags: HMAC-SHA256 of the user ID under a key of the module's, remembered (bounded) per user. */
export class UserTags {
  private readonly key: Buffer;
  private readonly cache = new Map<string, string>();

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('nestjs-auth-consent:session-tag').digest();
  }

  of(userId: string): string {
    let tag = this.cache.get(userId);
    if (tag === undefined) {
      tag = createHmac('sha256', this.key).update(userId, 'utf8').digest('base64url').slice(0, TAG_LENGTH);
      if (this.cache.size >= TAGS_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(userId, tag);
    }
    return tag;
  }
}
