import { describe, expect, it } from '@jest/globals';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import { resolveAuthOptions } from './auth.options.js';
import { backoffMs } from './throttle.backend.js';

describe('resolveAuthOptions', () => {
  it('has the OWASP argon2id defaults and sane throttling', () => {
    const o = resolveAuthOptions();
    expect(o.argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(o.throttle).toMatchObject({
      accountFreeFailures: 5,
      ipFreeFailures: 20,
      baseDelayMs: 1000,
      maxDelayMs: 900_000,
    });
    expect(o.maxSessionsPerUser).toBe(0);
    expect(o.touchIntervalMs).toBe(60_000);
  });

  it.each([
    [{ argon2: { memoryCost: 512 } }, /auth\.argon2\.memoryCost/],
    [{ sessionLimitPolicy: 'drop' as never }, /auth\.sessionLimitPolicy/],
    [{ throttle: { baseDelay: 'soon' } }, /auth\.throttle\.baseDelay/],
    [{ maxSessionsPerUser: -1 }, /auth\.maxSessionsPerUser/],
    [{ password: { minLength: 20, maxLength: 10 } }, /auth\.password\.minLength/],
  ])('names a bad option: %p', (options, message) => {
    expect(() => resolveAuthOptions(options)).toThrow(AuthConsentConfigError);
    expect(() => resolveAuthOptions(options)).toThrow(message);
  });

  it('refuses to lower the argon2 cost in production', () => {
    expect(() => resolveAuthOptions({ argon2: { memoryCost: 1024, timeCost: 1 } }, { production: true })).toThrow(
      /only raise/,
    );
    expect(resolveAuthOptions({ argon2: { memoryCost: 65536 } }, { production: true }).argon2.memoryCost).toBe(65536);
  });
});

describe('backoffMs', () => {
  const policy = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000, resetAfterMs: 3_600_000 };
  // The free allowance counts attempts (issue 15, item 1): after 5 failures the 6th attempt waits the base delay.
  it.each([
    [4, 0],
    [5, 1000],
    [6, 2000],
    [8, 8000],
    [50, 8000],
  ])('after %i failures the next attempt waits %i ms', (failures, ms) => expect(backoffMs(failures, policy)).toBe(ms));
});
