import type { SessionAuthMeta } from './session-meta.js';

/** A stored session as read back: its data (propagated keys applied) and the version of those keys. */
export interface StoredSession {
  /** The signed-in user, or `''`. */
  userId: string;
  meta: SessionAuthMeta | undefined;
  data: Record<string, unknown>;
  version: string;
}

export interface SaveSessionInput {
  /** `create` for a new ID; `update` writes only if the session still exists (never resurrects a revoked one). */
  mode: 'create' | 'update';
  /** JSON of the session's own data (the app's keys and `consent`). */
  json: string;
  /** The signed-in user, or `''`. */
  userId: string;
  /** The login's timing and client facts; absent for an anonymous session. */
  meta: SessionAuthMeta | undefined;
  /** When the session expires (Clock ms); the store TTL is this minus now. */
  expiresAt: number;
  /** `update` only: the version of propagated keys this copy was read with. */
  loadedVersion: string;
  /** `create` only: per-user limit (0 = none) and what to do when it is reached. */
  maxSessions: number;
  policy: 'evict-oldest' | 'refuse';
  /** `create` of a signed-in session: the user's epoch as read before the login's checks ('' skips the check). */
  epoch: string;
}

/**
 * Saved; `gone` when an update found the session revoked or expired; `refused` by the session limit;
 * `stale` when the user's sessions were all revoked (password change, disabling) while the login ran.
 */
export type SaveResult = 'ok' | 'gone' | 'refused' | 'stale';

/** A live session of a user, as the per-user index lists it. */
export interface IndexedSession {
  handle: string;
  meta: SessionAuthMeta | undefined;
}

/**
 * Where sessions live, keyed by handle (never the raw session ID), with a per-user index kept exact by
 * updating it in the same atomic step as the session. The module's express-session stores implement it:
 * connect-redis's store extended in production, an in-process store in development.
 */
export abstract class SessionBackend {
  abstract save(handle: string, input: SaveSessionInput): Promise<SaveResult>;
  /** Deletes the session and its index entry; true when it existed. */
  abstract destroyHandle(handle: string): Promise<boolean>;
  /** The user's live sessions; prunes expired and vanished entries from the index. */
  abstract list(userId: string): Promise<IndexedSession[]>;
  /** Deletes one session only when it belongs to the user. */
  abstract destroyForUser(userId: string, handle: string): Promise<boolean>;
  /** Deletes every session of the user except `exceptHandle` and moves the user's epoch; returns how many. */
  abstract destroyAllForUser(userId: string, exceptHandle?: string): Promise<number>;
  /** The user's epoch: a login reads it before its checks and its session is stored only if it has not moved. */
  abstract epoch(userId: string): Promise<string>;
  /** Sets one data key to `json` in every live session of the user, without resurrecting any or changing TTLs. */
  abstract setKeyForUser(userId: string, key: string, json: string): Promise<number>;
  /** How many index entries the user has (live or not yet pruned): for tests and metrics. */
  abstract indexSize(userId: string): Promise<number>;
}
