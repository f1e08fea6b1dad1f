import type { Clock } from '../common/clock.js';
import type { RedisScriptRunner } from './redis-script.runner.js';
import { SessionBackend, type IndexedSession, type SaveResult, type SaveSessionInput, type StoredSession } from './session-backend.js';
import {
  DESTROY_ALL_SCRIPT,
  DESTROY_FOR_USER_SCRIPT,
  DESTROY_SCRIPT,
  LIST_SCRIPT,
  SAVE_SCRIPT,
  SET_KEY_FOR_USER_SCRIPT,
} from './session-scripts.js';
import { assertOneLine, decodeMeta, decodeStoredSession, encodeStoredSession } from './stored-session.codec.js';

/** Sessions in Redis: one string per session (key built from the handle), one sorted set per user. */
export class RedisSessionBackend extends SessionBackend {
  constructor(
    private readonly redis: RedisScriptRunner,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  private sessionKey(handle: string): string {
    return `${this.prefix}session:${handle}`;
  }

  private indexKey(userId: string): string {
    return `${this.prefix}user:${userId}:sessions`;
  }

  load(handle: string): Promise<StoredSession | null> {
    return this.redis.command(['GET', this.sessionKey(handle)]).then((value) => decodeStoredSession(value as string | null));
  }

  async save(handle: string, input: SaveSessionInput): Promise<SaveResult> {
    const now = this.clock.now();
    const ttl = Math.max(1, Math.ceil(input.expiresAt - now));
    assertOneLine('A session user ID', input.userId);
    const value = encodeStoredSession(input.userId, '0', input.meta, input.json);
    const reply = await this.redis.script(
      SAVE_SCRIPT,
      [this.sessionKey(handle)],
      [input.mode, value, input.userId, ttl, input.expiresAt, now, handle, input.loadedVersion, input.maxSessions, input.policy, this.prefix],
    );
    return String(reply) as SaveResult;
  }

  async destroy(handle: string): Promise<boolean> {
    return Number(await this.redis.script(DESTROY_SCRIPT, [this.sessionKey(handle)], [this.prefix, handle])) > 0;
  }

  async list(userId: string): Promise<IndexedSession[]> {
    const flat = (await this.redis.script(LIST_SCRIPT, [this.indexKey(userId)], [this.prefix, this.clock.now()])) as string[];
    const out: IndexedSession[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) out.push({ handle: String(flat[i]), meta: decodeMeta(String(flat[i + 1]), String(flat[i + 2]), String(flat[i + 3])) });
    return out;
  }

  async destroyForUser(userId: string, handle: string): Promise<boolean> {
    return Number(await this.redis.script(DESTROY_FOR_USER_SCRIPT, [this.indexKey(userId)], [this.prefix, handle, userId])) > 0;
  }

  async destroyAllForUser(userId: string, exceptHandle = ''): Promise<number> {
    return Number(await this.redis.script(DESTROY_ALL_SCRIPT, [this.indexKey(userId)], [this.prefix, exceptHandle, userId]));
  }

  async setKeyForUser(userId: string, key: string, json: string): Promise<number> {
    assertOneLine('A propagated session key', key);
    return Number(await this.redis.script(SET_KEY_FOR_USER_SCRIPT, [this.indexKey(userId)], [this.prefix, this.clock.now(), key, json]));
  }

  async indexSize(userId: string): Promise<number> {
    return Number(await this.redis.command(['ZCARD', this.indexKey(userId)]));
  }
}

