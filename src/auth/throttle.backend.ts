export interface BackoffPolicy {
  /** Attempts that may follow one another without waiting (the free allowance). */
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  resetAfterMs: number;
}

/** The answer of {@link ThrottleBackend.take}. */
export interface ThrottleTake {
  /** The attempt was counted (a slot taken); false when the key is backing off. */
  taken: boolean;
  /** Until when (Clock ms) the key is blocked now; 0 when the next attempt may go ahead at once. */
  blockedUntil: number;
}

/**
 * Attempt counters with exponential back-off, shared by every app instance when kept in Redis. An attempt
 * takes a slot (is counted as a failure) atomically with the check, before the password is verified, so
 * parallel attempts cannot all pass one read; the caller gives the slot back when the attempt turned out
 * not to be a failure.
 */
export abstract class ThrottleBackend {
  /** Refuses while the key backs off; otherwise counts the attempt, in one atomic step. */
  abstract take(key: string, policy: BackoffPolicy): Promise<ThrottleTake>;
  /** Uncounts one attempt taken with {@link take} (it was not a failure); the back-off follows the new count. */
  abstract giveBack(key: string, policy: BackoffPolicy): Promise<void>;
  /** Forgets every attempt of the key. */
  abstract reset(key: string): Promise<void>;
  /**
   * A fixed-window rate limit: counts one hit; answers 0 while the key has had at most `limit` hits in the
   * current window, otherwise the milliseconds until the window ends.
   */
  abstract hit(key: string, limit: number, windowMs: number): Promise<number>;
}

/**
 * The wait before the next attempt after `attempts` counted ones: none while they are fewer than the free
 * allowance, then base, 2×base, 4×base … up to max (so the (free+1)th attempt in a row waits base).
 */
export function backoffMs(attempts: number, policy: BackoffPolicy): number {
  if (attempts < policy.freeFailures) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(40, attempts - policy.freeFailures));
}
