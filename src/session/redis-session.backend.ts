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

/** Sessions in Redis: one hash per session (key built from the handle), one sorted set per user. */
export class RedisSessionBackend extends SessionBackend {
  constructor(
    private readonly redis: RedisScriptRunner,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  private sessionKey(handle: string): string {
    return `${this.prefix}sess:${handle}`;
  }

  private indexKey(userId: string): string {
    return `${this.prefix}user:${userId}:sessions`;
  }

  async load(handle: string): Promise<StoredSession | null> {
    const hash = await this.redis.hashGetAll(this.sessionKey(handle));
    if (hash.d === undefined) return null;
    const data = JSON.parse(hash.d) as Record<string, unknown>;
    // Values set by setKeyForUser after this copy was written win over the copy (see SAVE_SCRIPT).
    for (const [field, value] of Object.entries(hash)) if (field.startsWith('p:')) data[field.slice(2)] = JSON.parse(value);
    return { data, version: hash.v ?? '0' };
  }

  async save(handle: string, input: SaveSessionInput): Promise<SaveResult> {
    const now = this.clock.now();
    const ttl = Math.max(1, Math.ceil(input.expiresAt - now));
    const reply = await this.redis.script(
      SAVE_SCRIPT,
      [this.sessionKey(handle)],
      [input.mode, input.json, input.userId, ttl, input.expiresAt, now, handle, input.loadedVersion, input.maxSessions, input.policy, this.prefix],
    );
    return String(reply) as SaveResult;
  }

  async destroy(handle: string): Promise<boolean> {
    return Number(await this.redis.script(DESTROY_SCRIPT, [this.sessionKey(handle)], [this.prefix, handle])) > 0;
  }

  async list(userId: string): Promise<IndexedSession[]> {
    const flat = (await this.redis.script(LIST_SCRIPT, [this.indexKey(userId)], [this.prefix, this.clock.now()])) as string[];
    const out: IndexedSession[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ handle: String(flat[i]), data: JSON.parse(String(flat[i + 1])) as Record<string, unknown> });
    return out;
  }

  async destroyForUser(userId: string, handle: string): Promise<boolean> {
    return Number(await this.redis.script(DESTROY_FOR_USER_SCRIPT, [this.indexKey(userId)], [this.prefix, handle, userId])) > 0;
  }

  async destroyAllForUser(userId: string, exceptHandle = ''): Promise<number> {
    return Number(await this.redis.script(DESTROY_ALL_SCRIPT, [this.indexKey(userId)], [this.prefix, exceptHandle, userId]));
  }

  async setKeyForUser(userId: string, key: string, json: string): Promise<number> {
    return Number(await this.redis.script(SET_KEY_FOR_USER_SCRIPT, [this.indexKey(userId)], [this.prefix, this.clock.now(), key, json]));
  }

  async indexSize(userId: string): Promise<number> {
    return Number(await this.redis.command(['ZCARD', this.indexKey(userId)]));
  }
}
