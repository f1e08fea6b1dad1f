import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { TooManyLoginAttemptsException } from './auth.exceptions.js';
import { ThrottleBackend, type BackoffPolicy } from './throttle-backend.js';
import { foldUsername } from './username.js';

/** What {@link LoginThrottleService.check} saw, for {@link LoginThrottleService.recordSuccess}. */
export interface ThrottleCheck {
  accountCounted: boolean;
}

function digest(value: string): string {
  // Keys hold neither usernames nor raw client addresses.
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/**
 * Login throttling: failures are counted per account (whatever the client address, so a botnet cannot
 * spread guesses) and per client address (so one address cannot spray many accounts), each with
 * exponential back-off. Unknown usernames are counted exactly like known ones.
 */
@Injectable()
export class LoginThrottleService {
  private readonly account: BackoffPolicy;
  private readonly address: BackoffPolicy;

  constructor(
    private readonly backend: ThrottleBackend,
    private readonly clock: Clock,
    @Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions,
  ) {
    const t = options.auth.throttle;
    const common = { baseDelayMs: t.baseDelayMs, maxDelayMs: t.maxDelayMs, resetAfterMs: t.resetAfterMs };
    this.account = { ...common, freeFailures: t.accountFreeFailures };
    this.address = { ...common, freeFailures: t.ipFreeFailures };
  }

  /** Throws {@link TooManyLoginAttemptsException} while the account or the address is backing off. */
  async check(username: string, ip: string): Promise<ThrottleCheck> {
    const [account, address] = await Promise.all([this.backend.read(this.accountKey(username)), this.backend.read(this.addressKey(ip))]);
    this.throwIfBlocked(Math.max(account.blockedUntil, address.blockedUntil));
    return { accountCounted: account.counted };
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await Promise.all([this.backend.fail(this.accountKey(username), this.account), this.backend.fail(this.addressKey(ip), this.address)]);
  }

  /**
   * A successful login clears the account's counter (not the address's: one good account must not launder a
   * spray). An account that had no failures at the check has nothing to clear, so most logins skip the write;
   * a failure counted in between stays counted, which errs on the side of throttling.
   */
  async recordSuccess(username: string, checked: ThrottleCheck): Promise<void> {
    if (checked.accountCounted) await this.backend.reset(this.accountKey(username));
  }

  private throwIfBlocked(until: number): void {
    const wait = until - this.clock.now();
    if (wait > 0) throw new TooManyLoginAttemptsException(Math.ceil(wait / 1000));
  }

  private accountKey(username: string): string {
    return `throttle:user:${digest(foldUsername(username))}`;
  }

  private addressKey(ip: string): string {
    return `throttle:ip:${digest(ip)}`;
  }
}
