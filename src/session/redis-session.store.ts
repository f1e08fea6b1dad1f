import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import type { Request } from 'express';
import type { Clock } from '../common/clock.js';
import type { ModuleRedisClient, RedisScriptRunner } from './redis-script.runner.js';
import {
  SessionBackend,
  type IndexedSession,
  type SaveResult,
  type SaveSessionInput,
  type StoredSession,
} from './session.backend.js';
import { TAG_LENGTH, tagOfHandle, type UserTags } from './session-id.js';
import {
  DESTROY_ALL_SCRIPT,
  DESTROY_FOR_USER_SCRIPT,
  DESTROY_SCRIPT,
  LIST_SCRIPT,
  SAVE_SCRIPT,
  SET_KEY_FOR_USER_SCRIPT,
} from './session-scripts.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { settle, SessionStoreCore, type StoreCallback as Callback, type StoreSession } from './session-store.core.js';
import { assertOneLine, decodeMeta, decodeStoredSession, encodeStoredSession } from './stored-session.codec.js';

/** How long a user's epoch outlives the revocation that moved it: far longer than any login takes. */
const EPOCH_TTL_MS = 24 * 3600 * 1000;

/**
 * connect-redis's RedisStore, extended with the module's session rules (SessionStoreCore) and the per-user
 * index. A session is read by connect-redis's own `get` (one GET, parsed by the stored-session codec as its
 * serializer) under a key built from the session's handle; writes, deletions and the index are Lua scripts
 * (session-scripts.ts) so each is atomic. Every call is bounded in time (RedisScriptRunner): a stalled Redis
 * is an error (503), never a hung request. The store has no `touch`: the idle window slides by a save at most
 * once per `auth.touchInterval` (see SessionMiddleware).
 */
export class RedisSessionStore extends RedisStore implements SessionBackend {
  private readonly core: SessionStoreCore;
  private readonly keyPrefix: string;
  /** connect-redis as an app configured it before the module: where `session.legacyPrefix` sessions are read. */
  private readonly legacy: RedisStore | undefined;

  constructor(
    client: ModuleRedisClient,
    private readonly runner: RedisScriptRunner,
    options: ResolvedAuthConsentOptions,
    private readonly clock: Clock,
    private readonly tags: UserTags,
  ) {
    super({
      client,
      prefix: options.session.redisPrefix,
      serializer: {
        parse: decodeStoredSession as unknown as (text: string) => SessionData,
        stringify: encodeUnsupported,
      },
      disableTouch: true,
    });
    this.keyPrefix = options.session.redisPrefix;
    this.core = new SessionStoreCore(this, options, clock, tags);
    const legacyPrefix = options.session.legacyPrefix;
    this.legacy = legacyPrefix === undefined ? undefined : new RedisStore({ client, prefix: legacyPrefix });
    // No touch: express-session then ends an unchanged session's response in one write, with no store call
    // (with touch it splits the body around a store round trip). The idle window slides by a save instead.
    Object.defineProperty(this, 'touch', { value: undefined });
  }

  // express-session's Store contract

  override get(sid: string, cb?: Callback): Promise<SessionData | null | void> {
    // super.get in an arrow keeps connect-redis's read; the key it builds is prefix + the handle's key suffix.
    const legacy = this.legacy;
    return settle(
      this.core.get(
        sid,
        (handle) =>
          this.runner.bound(super.get(keySuffix(handle)) as Promise<StoredSession | null>, this.sessionKey(handle)),
        legacy && ((oldSid) => this.runner.bound(legacy.get(oldSid) as Promise<SessionData | null>)),
      ),
      cb,
    );
  }

  /** Deletes a session of the legacy layout once it is moved (see SessionMiddleware). */
  async destroyLegacy(sid: string): Promise<void> {
    if (this.legacy) await this.runner.bound(this.legacy.destroy(sid));
  }

  override set(sid: string, sess: SessionData, cb?: Callback): Promise<void> {
    return settle(this.core.set(sid, sess as StoreSession), cb);
  }

  override destroy(sid: string, cb?: Callback): Promise<unknown> {
    return settle(this.core.destroy(sid), cb);
  }

  override createSession(req: Request, sess: SessionData) {
    this.core.adopt(req, sess);
    return super.createSession(req, sess);
  }

  // The module's per-user operations (SessionBackend)

  async save(handle: string, input: SaveSessionInput): Promise<SaveResult> {
    const now = this.clock.now();
    const ttl = Math.max(1, Math.ceil(input.expiresAt - now));
    const value = encodeStoredSession(input.userId, '0', input.meta, input.json);
    const tag = tagOfHandle(handle);
    const reply = await this.runner.script(
      SAVE_SCRIPT,
      [this.sessionKey(handle), this.userKey(tag, 'u', input.userId), this.userKey(tag, 'e', input.userId)],
      [
        input.mode,
        value,
        input.userId,
        ttl,
        input.expiresAt,
        now,
        handle,
        input.loadedVersion,
        input.maxSessions,
        input.policy,
        this.keyPrefix,
        input.epoch,
      ],
    );
    // A sign-in is acknowledged only once replicated (redis.waitForReplicas); other saves need not be.
    if (input.mode === 'create' && input.userId !== '' && reply === 'ok')
      await this.runner.replicated(this.sessionKey(handle));
    return String(reply) as SaveResult;
  }

  async destroyHandle(handle: string): Promise<boolean> {
    const destroyed =
      Number(await this.runner.script(DESTROY_SCRIPT, [this.sessionKey(handle)], [this.keyPrefix, handle])) > 0;
    if (destroyed) await this.runner.replicated(this.sessionKey(handle));
    return destroyed;
  }

  async list(userId: string): Promise<IndexedSession[]> {
    const flat = (await this.runner.script(
      LIST_SCRIPT,
      [this.indexKey(userId)],
      [this.keyPrefix, this.clock.now()],
    )) as string[];
    const out: IndexedSession[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4)
      out.push({
        handle: String(flat[i]),
        meta: decodeMeta(String(flat[i + 1]), String(flat[i + 2]), String(flat[i + 3])),
      });
    return out;
  }

  async destroyForUser(userId: string, handle: string): Promise<boolean> {
    const destroyed =
      Number(
        await this.runner.script(DESTROY_FOR_USER_SCRIPT, [this.indexKey(userId)], [this.keyPrefix, handle, userId]),
      ) > 0;
    if (destroyed) await this.runner.replicated(this.indexKey(userId));
    return destroyed;
  }

  async destroyAllForUser(userId: string, exceptHandle = ''): Promise<number> {
    const tag = this.tags.of(userId);
    const index = this.userKey(tag, 'u', userId);
    const count = Number(
      await this.runner.script(
        DESTROY_ALL_SCRIPT,
        [index, this.userKey(tag, 'e', userId)],
        [this.keyPrefix, exceptHandle, userId, EPOCH_TTL_MS],
      ),
    );
    // The epoch moved too: always replicated, so no login in flight survives a failover either.
    await this.runner.replicated(index);
    return count;
  }

  async epoch(userId: string): Promise<string> {
    return String((await this.runner.command(['GET', this.userKey(this.tags.of(userId), 'e', userId)])) ?? '0');
  }

  async setKeyForUser(userId: string, key: string, json: string): Promise<number> {
    assertOneLine('A propagated session key', key);
    return Number(
      await this.runner.script(
        SET_KEY_FOR_USER_SCRIPT,
        [this.indexKey(userId)],
        [this.keyPrefix, this.clock.now(), key, json],
      ),
    );
  }

  async indexSize(userId: string): Promise<number> {
    return Number(await this.runner.command(['ZCARD', this.indexKey(userId)]));
  }

  /** Sessions are listed per user (SessionService); a scan of every session is not offered. */
  override all(cb?: Callback): Promise<unknown> {
    return settle(
      Promise.reject(new Error('RedisSessionStore does not list all sessions; use SessionService.listForUser.')),
      cb,
    );
  }

  override ids(cb?: Callback): Promise<unknown> {
    return this.all(cb);
  }

  private sessionKey(handle: string): string {
    return sessionKey(this.keyPrefix, handle);
  }

  private indexKey(userId: string): string {
    return this.userKey(this.tags.of(userId), 'u', userId);
  }

  private userKey(tag: string, kind: 'u' | 'e', userId: string): string {
    return userKey(this.keyPrefix, tag, kind, userId);
  }
}

/** A session's key after the prefix: `{tag}s:` and the rest of its handle (session-scripts.ts builds the same). */
function keySuffix(handle: string): string {
  return `{${handle.slice(0, TAG_LENGTH)}}s:${handle.slice(TAG_LENGTH)}`;
}

/** The Redis key of the session with this handle. */
export function sessionKey(prefix: string, handle: string): string {
  return prefix + keySuffix(handle);
}

/** The Redis key of a user's index (`u`) or epoch (`e`), under the user's tag. */
export function userKey(prefix: string, tag: string, kind: 'u' | 'e', userId: string): string {
  return `${prefix}{${tag}}${kind}:${userId}`;
}

function encodeUnsupported(): string {
  throw new Error('RedisSessionStore writes through its own set()');
}
