import { sessionKey, userKey } from '../../src/session/redis-session.store.js';
import { sessionHandle, UserTags } from '../../src/session/session-id.js';
import { TEST_SECRET } from './services.js';

/** The raw session ID inside a signed `sid=s%3A<id>.<sig>` cookie. */
export function rawSessionId(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/** The Redis key of the session a `name=value` session cookie names. */
export function sessionKeyOf(prefix: string, cookie: string): string {
  return sessionKey(prefix, sessionHandle(rawSessionId(cookie)));
}

/** The Redis key of a user's session index (the tag is keyed by the last session secret). */
export function indexKeyOf(prefix: string, userId: string, secret = TEST_SECRET): string {
  return userKey(prefix, new UserTags(secret).of(userId), 'u', userId);
}
