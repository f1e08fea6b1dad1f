export interface BackoffPolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  resetAfterMs: number;
}

export interface ThrottleState {
  /** Until when (Clock ms) the key is blocked; 0 when it is not. */
  blockedUntil: number;
  /** The key holds failures (so a success has something to clear). */
  counted: boolean;
}

/** Failure counters with exponential back-off, shared by every app instance when kept in Redis. */
export abstract class ThrottleBackend {
  /** The key's state now (one read). */
  abstract read(key: string): Promise<ThrottleState>;
  /** Counts a failure; returns until when the key is now blocked (0 while within the free failures). */
  abstract fail(key: string, policy: BackoffPolicy): Promise<number>;
  abstract reset(key: string): Promise<void>;
}

/** Back-off after `failures` failures: none within the free ones, then base, 2×base, 4×base … up to max. */
export function backoffMs(failures: number, policy: BackoffPolicy): number {
  if (failures <= policy.freeFailures) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(40, failures - policy.freeFailures - 1));
}
