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
import type { SessionAuthMeta } from './session-meta.js';

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

  load(handle: string): Promise<StoredSession | null> {
    return this.redis.hashGetAll(this.sessionKey(handle)).then(fromHash);
  }

  async save(handle: string, input: SaveSessionInput): Promise<SaveResult> {
    const now = this.clock.now();
    const ttl = Math.max(1, Math.ceil(input.expiresAt - now));
    const reply = await this.redis.script(
      SAVE_SCRIPT,
      [this.sessionKey(handle)],
      [input.mode, input.json, input.userId, ttl, input.expiresAt, now, handle, input.loadedVersion, input.maxSessions, input.policy, this.prefix, ...encodeMeta(input.meta)],
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
    return Number(await this.redis.script(SET_KEY_FOR_USER_SCRIPT, [this.indexKey(userId)], [this.prefix, this.clock.now(), key, json]));
  }

  async indexSize(userId: string): Promise<number> {
    return Number(await this.redis.command(['ZCARD', this.indexKey(userId)]));
  }
}

/** Login times as base-36 ms (`created lastSeen absolute remember`, ~28 chars), IP and user agent in fields of their own. */
function encodeMeta(meta: SessionAuthMeta | undefined): [string, string, string] {
  if (!meta) return ['', '', ''];
  const times = `${meta.createdAt.toString(36)} ${meta.lastSeenAt.toString(36)} ${meta.absoluteExpiresAt.toString(36)} ${meta.remember ? 1 : 0}`;
  return [times, meta.ip ?? '', meta.userAgent ?? ''];
}

function decodeMeta(times: string | undefined, ip: string | undefined, agent: string | undefined): SessionAuthMeta | undefined {
  const t = times ? times.split(' ') : [];
  if (t.length !== 4) return undefined;
  const meta: SessionAuthMeta = { createdAt: parseInt(t[0], 36), lastSeenAt: parseInt(t[1], 36), absoluteExpiresAt: parseInt(t[2], 36), remember: t[3] === '1' };
  if (ip) meta.ip = ip;
  if (agent) meta.userAgent = agent;
  return meta;
}

function fromHash(hash: Record<string, string>): StoredSession | null {
  if (hash.u === undefined) return null;
  const data = JSON.parse(hash.d ?? '{}') as Record<string, unknown>;
  // Values set by setKeyForUser after this copy was written win over the copy (see SAVE_SCRIPT).
  for (const field in hash) if (field.startsWith('p:')) data[field.slice(2)] = JSON.parse(hash[field]);
  return { userId: hash.u, meta: decodeMeta(hash.m, hash.i, hash.a), data, version: hash.v ?? '0' };
}
