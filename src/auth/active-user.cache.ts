import type { AuthUser } from './auth-user.js';

const MAX_ENTRIES = 10_000;

/** Signed-in users recently read from the store, kept for a short time and bounded in size. */
export class ActiveUserCache {
  private readonly entries = new Map<string, { user: AuthUser; until: number }>();

  constructor(private readonly ttlMs: number) {}

  get(id: string, now: number): AuthUser | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (hit.until > now) return hit.user;
    this.entries.delete(id);
    return undefined;
  }

  set(id: string, user: AuthUser, now: number): void {
    if (this.ttlMs <= 0) return;
    // Maps iterate in insertion order: dropping the first key drops the oldest entry.
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { user, until: now + this.ttlMs });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
