import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import { parseDuration, type Duration } from '../common/duration.js';
import type { UserStore } from './user.store.js';

/** What happens when a user with `maxSessionsPerUser` live sessions signs in once more. */
export type SessionLimitPolicy = 'evict-oldest' | 'refuse';

/** Login options (the `auth` key of the module options). */
export interface AuthOptions {
  /** argon2id cost. Defaults m=19456 KiB, t=2, p=1 (OWASP); production refuses anything lower. Hashes made with lower costs are re-hashed at the next login. */
  argon2?: { memoryCost?: number; timeCost?: number; parallelism?: number };
  /** Password length policy (ASVS V6.2). Defaults 8 and 128; no composition rules. */
  password?: { minLength?: number; maxLength?: number };
  /**
   * Login and password-change throttling per account and per client address: that many attempts in a row are
   * free (each counted when it starts, so parallel ones too), then the next waits `baseDelay`, doubling up to
   * `maxDelay`; a success clears the account's count.
   */
  throttle?: {
    /** Failures of one account (from any address) before back-off starts. Default 5. */
    accountFreeFailures?: number;
    /** Failures from one client address (any account) before back-off starts. Default 20. */
    ipFreeFailures?: number;
    /** First back-off; it doubles with each further failure. Default `'1s'`. */
    baseDelay?: Duration;
    /** Longest back-off. Default `'15m'`. */
    maxDelay?: Duration;
    /** A counter is forgotten this long after its last failure. Default `'1h'`. */
    resetAfter?: Duration;
  };
  /** Most live sessions one user may hold; `0` means no limit. Default `0`. */
  maxSessionsPerUser?: number;
  /** What a login beyond `maxSessionsPerUser` does. Default `'evict-oldest'` (the session closest to expiry is revoked). */
  sessionLimitPolicy?: SessionLimitPolicy;
  /** The idle window slides (one store write) at most this often per session (at most half the idle timeout). Default `'1m'`. */
  touchInterval?: Duration;
  /** Your own user store instead of the module's `users` table (e.g. injected into `forRootAsync`'s factory). */
  userStore?: UserStore;
  /**
   * How long a signed-in user read from the store is reused, so a signed-in request reads no SQL. Disabling
   * and password changes revoke sessions in the store, so they still act at once; only a role changed
   * straight in the database waits this long. `0` reads the store on every request. Default `'10s'`.
   */
  userCacheTtl?: Duration | 0;
}

export interface ResolvedAuthOptions {
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  password: { minLength: number; maxLength: number };
  throttle: {
    accountFreeFailures: number;
    ipFreeFailures: number;
    baseDelayMs: number;
    maxDelayMs: number;
    resetAfterMs: number;
  };
  maxSessionsPerUser: number;
  sessionLimitPolicy: SessionLimitPolicy;
  touchIntervalMs: number;
  userStore: UserStore | undefined;
  userCacheTtlMs: number;
}

export const ARGON2_DEFAULTS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

function fail(message: string): never {
  throw new AuthConsentConfigError(message);
}

function int(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    fail(`${name} must be an integer between ${min} and ${max}; got ${JSON.stringify(value)}.`);
  return v;
}

function ms(name: string, value: Duration | undefined, fallback: Duration): number {
  return (
    parseDuration(value ?? fallback) ??
    fail(
      `${name} must be a positive duration such as '1s', '15m' or a number of milliseconds; got ${JSON.stringify(value)}.`,
    )
  );
}

/** Merges the login defaults and validates them; throws AuthConsentConfigError naming a bad option. */
export function resolveAuthOptions(
  options: AuthOptions = {},
  context: { production?: boolean } = {},
): ResolvedAuthOptions {
  const a = options.argon2 ?? {};
  const argon2 = {
    memoryCost: int('auth.argon2.memoryCost', a.memoryCost, ARGON2_DEFAULTS.memoryCost, 1024, 4_194_304),
    timeCost: int('auth.argon2.timeCost', a.timeCost, ARGON2_DEFAULTS.timeCost, 1, 100),
    parallelism: int('auth.argon2.parallelism', a.parallelism, ARGON2_DEFAULTS.parallelism, 1, 64),
  };
  if (
    context.production &&
    (argon2.memoryCost < ARGON2_DEFAULTS.memoryCost || argon2.timeCost < ARGON2_DEFAULTS.timeCost)
  ) {
    fail('auth.argon2 may only raise memoryCost (19456) and timeCost (2) in production; remove the lower values.');
  }
  const p = options.password ?? {};
  const password = {
    minLength: int('auth.password.minLength', p.minLength, 8, 1, 1024),
    maxLength: int('auth.password.maxLength', p.maxLength, 128, 1, 4096),
  };
  if (password.minLength > password.maxLength) fail('auth.password.minLength must not exceed auth.password.maxLength.');
  const t = options.throttle ?? {};
  const throttle = {
    accountFreeFailures: int('auth.throttle.accountFreeFailures', t.accountFreeFailures, 5, 1),
    ipFreeFailures: int('auth.throttle.ipFreeFailures', t.ipFreeFailures, 20, 1),
    baseDelayMs: ms('auth.throttle.baseDelay', t.baseDelay, '1s'),
    maxDelayMs: ms('auth.throttle.maxDelay', t.maxDelay, '15m'),
    resetAfterMs: ms('auth.throttle.resetAfter', t.resetAfter, '1h'),
  };
  if (throttle.baseDelayMs > throttle.maxDelayMs)
    fail('auth.throttle.baseDelay must not exceed auth.throttle.maxDelay.');
  const policy = options.sessionLimitPolicy ?? 'evict-oldest';
  if (policy !== 'evict-oldest' && policy !== 'refuse')
    fail(`auth.sessionLimitPolicy must be 'evict-oldest' or 'refuse'; got ${JSON.stringify(policy)}.`);
  return {
    argon2,
    password,
    throttle,
    maxSessionsPerUser: int('auth.maxSessionsPerUser', options.maxSessionsPerUser, 0, 0, 10_000),
    sessionLimitPolicy: policy,
    touchIntervalMs: ms('auth.touchInterval', options.touchInterval, '1m'),
    userStore: options.userStore,
    userCacheTtlMs: options.userCacheTtl === 0 ? 0 : ms('auth.userCacheTtl', options.userCacheTtl, '10s'),
  };
}
