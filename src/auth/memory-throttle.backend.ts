import type { Clock } from '../common/clock.js';
import { backoffMs, ThrottleBackend, type BackoffPolicy, type ThrottleState } from './throttle-backend.js';

const MAX_ENTRIES = 100_000;

/** Throttle counters in process memory (development, no Redis); bounded so a flood of usernames cannot grow it forever. */
export class MemoryThrottleBackend extends ThrottleBackend {
  private readonly entries = new Map<string, { failures: number; last: number; until: number; forgetAt: number }>();

  constructor(private readonly clock: Clock) {
    super();
  }

  async read(key: string): Promise<ThrottleState> {
    const e = this.entries.get(key);
    return { blockedUntil: e && e.until > this.clock.now() ? e.until : 0, counted: e !== undefined };
  }

  async fail(key: string, policy: BackoffPolicy): Promise<number> {
    const now = this.clock.now();
    const e = this.entries.get(key);
    const failures = e && now - e.last <= policy.resetAfterMs ? e.failures + 1 : 1;
    const delay = backoffMs(failures, policy);
    const until = delay ? now + delay : 0;
    this.entries.delete(key);
    this.entries.set(key, { failures, last: now, until, forgetAt: now + policy.resetAfterMs + policy.maxDelayMs });
    if (this.entries.size > MAX_ENTRIES) this.evict(now);
    return until;
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  private evict(now: number): void {
    for (const [key, e] of this.entries) if (e.forgetAt <= now) this.entries.delete(key);
    // Still full: drop the least recently failed (Map keeps insertion order, and fail() re-inserts).
    for (const key of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(key);
    }
  }
}
