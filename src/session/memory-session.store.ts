import { Store, type SessionData } from 'express-session';
import type { Request } from 'express';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import type { Clock } from '../common/clock.js';
import type { SessionAuthMeta } from './session-meta.js';
import {
  SessionBackend,
  type IndexedSession,
  type SaveResult,
  type SaveSessionInput,
  type StoredSession,
} from './session.backend.js';
import type { UserTags } from './session-id.js';
import { settle, SessionStoreCore, type StoreCallback as Callback, type StoreSession } from './session-store.core.js';

interface Entry {
  json: string;
  userId: string;
  meta: SessionAuthMeta | undefined;
  version: number;
  propagated: Map<string, string>;
  expiresAt: number;
}

const SWEEP_EVERY = 500;

/**
 * An express-session store with the same contract as RedisSessionStore, in process memory (development,
 * tests, `npm start` with no Redis). Every method runs synchronously between awaits, which makes each one
 * atomic as a Lua script is.
 */
export class MemorySessionStore extends Store implements SessionBackend {
  private readonly sessions = new Map<string, Entry>();
  private readonly index = new Map<string, Map<string, number>>();
  private readonly epochs = new Map<string, number>();
  private readonly core: SessionStoreCore | undefined;
  private writes = 0;

  /** Without options it is the bare backend (unit tests of the contract). */
  constructor(
    private readonly clock: Clock,
    options?: ResolvedAuthConsentOptions,
    tags?: UserTags,
  ) {
    super();
    this.core = options && tags ? new SessionStoreCore(this, options, clock, tags) : undefined;
  }

  // express-session's Store contract

  override get(sid: string, cb: Callback): void {
    settle(
      this.requireCore().get(sid, async (handle) => this.read(handle)),
      cb,
    );
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    settle(this.requireCore().set(sid, sess as StoreSession), cb ?? noop);
  }

  override destroy(sid: string, cb?: Callback): void {
    settle(this.requireCore().destroy(sid), cb ?? noop);
  }

  override createSession(req: Request, sess: SessionData) {
    this.requireCore().adopt(req, sess);
    return super.createSession(req, sess);
  }

  private requireCore(): SessionStoreCore {
    if (!this.core) throw new Error('MemorySessionStore needs the module options to serve express-session.');
    return this.core;
  }

  // The module's per-user operations (SessionBackend)

  private live(handle: string): Entry | undefined {
    const entry = this.sessions.get(handle);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.sessions.delete(handle);
      return undefined;
    }
    return entry;
  }

  private userIndex(userId: string): Map<string, number> {
    let idx = this.index.get(userId);
    if (!idx) this.index.set(userId, (idx = new Map()));
    return idx;
  }

  private prune(userId: string): Map<string, number> {
    const idx = this.userIndex(userId);
    const now = this.clock.now();
    for (const [handle, score] of idx) if (score <= now || !this.live(handle)) idx.delete(handle);
    if (idx.size === 0) this.index.delete(userId);
    return idx;
  }

  /** The stored session under a handle (what RedisSessionStore reads with one GET). */
  read(handle: string): StoredSession | null {
    const entry = this.live(handle);
    if (!entry) return null;
    const data = JSON.parse(entry.json) as Record<string, unknown>;
    for (const [key, json] of entry.propagated) data[key] = JSON.parse(json);
    return { userId: entry.userId, meta: entry.meta && { ...entry.meta }, data, version: String(entry.version) };
  }

  async save(handle: string, input: SaveSessionInput): Promise<SaveResult> {
    if (++this.writes % SWEEP_EVERY === 0) this.sweep();
    const existing = this.live(handle);
    let version = 0;
    let propagated = new Map<string, string>();
    if (input.mode === 'update') {
      if (!existing) return 'gone';
      if (existing.userId && existing.userId !== input.userId) this.index.get(existing.userId)?.delete(handle);
      version = existing.version;
      if (String(existing.version) !== input.loadedVersion) propagated = existing.propagated;
    } else if (input.userId && input.epoch !== '' && String(this.epochs.get(input.userId) ?? 0) !== input.epoch) {
      return 'stale';
    } else if (input.userId && input.maxSessions > 0) {
      const idx = this.prune(input.userId);
      if (idx.size >= input.maxSessions) {
        if (input.policy === 'refuse') return 'refused';
        const oldest = [...idx].sort((a, b) => a[1] - b[1]).slice(0, idx.size - input.maxSessions + 1);
        for (const [h] of oldest) {
          this.sessions.delete(h);
          idx.delete(h);
        }
      }
    }
    this.sessions.set(handle, {
      json: input.json,
      userId: input.userId,
      meta: input.meta && { ...input.meta },
      version,
      propagated,
      expiresAt: input.expiresAt,
    });
    if (input.userId) {
      this.userIndex(input.userId).set(handle, input.expiresAt);
      this.prune(input.userId);
    }
    return 'ok';
  }

  async destroyHandle(handle: string): Promise<boolean> {
    const entry = this.sessions.get(handle);
    if (!entry) return false;
    this.sessions.delete(handle);
    if (entry.userId) this.index.get(entry.userId)?.delete(handle);
    return entry.expiresAt > this.clock.now();
  }

  async list(userId: string): Promise<IndexedSession[]> {
    const idx = this.prune(userId);
    return [...idx.keys()].map((handle) => ({ handle, meta: this.sessions.get(handle)!.meta }));
  }

  async destroyForUser(userId: string, handle: string): Promise<boolean> {
    const idx = this.index.get(userId);
    if (!idx?.has(handle)) return false;
    idx.delete(handle);
    const entry = this.live(handle);
    if (entry?.userId !== userId) return false;
    this.sessions.delete(handle);
    return true;
  }

  async destroyAllForUser(userId: string, exceptHandle?: string): Promise<number> {
    this.epochs.set(userId, (this.epochs.get(userId) ?? 0) + 1);
    const idx = this.index.get(userId);
    if (!idx) return 0;
    let n = 0;
    for (const handle of [...idx.keys()]) {
      if (handle === exceptHandle) continue;
      if (this.live(handle)?.userId === userId) {
        this.sessions.delete(handle);
        n++;
      }
      idx.delete(handle);
    }
    return n;
  }

  async epoch(userId: string): Promise<string> {
    return String(this.epochs.get(userId) ?? 0);
  }

  async setKeyForUser(userId: string, key: string, json: string): Promise<number> {
    const idx = this.prune(userId);
    for (const handle of idx.keys()) {
      const entry = this.sessions.get(handle)!;
      entry.propagated.set(key, json);
      entry.version++;
    }
    return idx.size;
  }

  async indexSize(userId: string): Promise<number> {
    return this.index.get(userId)?.size ?? 0;
  }

  /** Drops expired sessions and empty indexes so memory stays bounded without a timer. */
  private sweep(): void {
    for (const handle of this.sessions.keys()) this.live(handle);
    for (const userId of [...this.index.keys()]) this.prune(userId);
  }
}

function noop(): void {}
