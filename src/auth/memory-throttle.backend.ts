import type { Clock } from '../common/clock.js';
import { backoffMs, ThrottleBackend, type BackoffPolicy, type ThrottleTake } from './throttle.backend.js';

const MAX_ENTRIES = 100_000;

interface Entry {
  attempts: number;
  last: number;
  until: number;
  forgetAt: number;
}

/**
 * Throttle counters in process memory (development, no Redis); bounded so a flood of usernames cannot grow
 * it forever. Every step runs synchronously (no await), so it is atomic within the process.
 */
export class MemoryThrottleBackend extends ThrottleBackend {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {
    super();
  }

  async take(key: string, policy: BackoffPolicy): Promise<ThrottleTake> {
    const now = this.clock.now();
    let e = this.entries.get(key);
    if (e && now - e.last > policy.resetAfterMs) e = undefined;
    if (e && e.until > now) return { taken: false, blockedUntil: e.until };
    const attempts = (e?.attempts ?? 0) + 1;
    const delay = backoffMs(attempts, policy);
    const until = delay ? now + delay : 0;
    this.store(key, { attempts, last: now, until, forgetAt: now + policy.resetAfterMs + policy.maxDelayMs }, now);
    return { taken: true, blockedUntil: until };
  }

  async giveBack(key: string, policy: BackoffPolicy): Promise<void> {
    const e = this.entries.get(key);
    if (!e) return;
    e.attempts -= 1;
    if (e.attempts <= 0) {
      this.entries.delete(key);
      return;
    }
    const delay = backoffMs(e.attempts, policy);
    e.until = delay ? e.last + delay : 0;
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    const now = this.clock.now();
    let e = this.entries.get(key);
    if (!e || e.forgetAt <= now) e = { attempts: 0, last: now, until: 0, forgetAt: now + windowMs };
    e.attempts += 1;
    this.store(key, e, now);
    return e.attempts <= limit ? 0 : e.forgetAt - now;
  }

  private store(key: string, e: Entry, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > MAX_ENTRIES) this.evict(now);
  }

  private evict(now: number): void {
    for (const [key, e] of this.entries) if (e.forgetAt <= now) this.entries.delete(key);
    // Still full: drop the least recently counted (Map keeps insertion order, and store() re-inserts).
    for (const key of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(key);
    }
  }
}
