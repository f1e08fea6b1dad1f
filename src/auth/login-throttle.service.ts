import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { TooManyLoginAttemptsException } from './auth.exceptions.js';
import { ThrottleBackend, type BackoffPolicy } from './throttle.backend.js';
import { foldUsername } from './username.js';

/** The slots one attempt took (see {@link LoginThrottleService.take}). */
export interface ThrottleSlots {
  readonly accountKey: string;
  readonly addressKey: string;
}

function digest(value: string): string {
  // Keys hold neither usernames nor raw client addresses.
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/**
 * Login throttling: failures are counted per account (whatever the client address, so a botnet cannot
 * spread guesses) and per client address (so one address cannot spray many accounts), each with
 * exponential back-off. Unknown usernames are counted exactly like known ones: the same two slots taken,
 * kept on the 401.
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

  /**
   * Takes a slot on the account's counter and one on the address's, each atomically with its own check and
   * before the password is verified, so parallel attempts are counted as they start (issue 15, item 1): the
   * attempt counts as a failure until {@link succeeded} or {@link abandoned} says otherwise. Throws
   * {@link TooManyLoginAttemptsException} when either is backing off, after giving back the other's slot.
   * The two counters are separate steps (on a Redis Cluster they live in different slots).
   */
  async take(username: string, ip: string): Promise<ThrottleSlots> {
    const slots = { accountKey: this.accountKey(username), addressKey: this.addressKey(ip) };
    const [account, address] = await Promise.allSettled([
      this.backend.take(slots.accountKey, this.account),
      this.backend.take(slots.addressKey, this.address),
    ]);
    if (account.status === 'fulfilled' && account.value.taken && address.status === 'fulfilled' && address.value.taken)
      return slots;
    // Refused or failed on one side: what the other took is not an attempt.
    await briefly(
      Promise.allSettled([
        account.status === 'fulfilled' && account.value.taken
          ? this.backend.giveBack(slots.accountKey, this.account)
          : undefined,
        address.status === 'fulfilled' && address.value.taken
          ? this.backend.giveBack(slots.addressKey, this.address)
          : undefined,
      ]),
    );
    if (account.status === 'rejected') throw account.reason;
    if (address.status === 'rejected') throw address.reason;
    throw this.refusal(
      Math.max(
        account.value.taken ? 0 : account.value.blockedUntil,
        address.value.taken ? 0 : address.value.blockedUntil,
      ),
    );
  }

  /**
   * The password was right: the account's failures are cleared (as before the slots) and the address's slot
   * is given back (not cleared: one good account must not launder a spray from its address). Both in the
   * same tick, so node-redis sends them in one round trip.
   */
  async succeeded(slots: ThrottleSlots): Promise<void> {
    await Promise.all([this.backend.reset(slots.accountKey), this.backend.giveBack(slots.addressKey, this.address)]);
  }

  /**
   * The attempt ended in something other than a verdict on the password (the user store or Redis down: a
   * 503): both slots are given back, so an outage leaves no phantom failures. Best effort: when the store
   * cannot take the give-back either, the slot lapses with the counter (`resetAfter` after the last attempt).
   */
  async abandoned(slots: ThrottleSlots): Promise<void> {
    await briefly(
      Promise.allSettled([
        this.backend.giveBack(slots.accountKey, this.account),
        this.backend.giveBack(slots.addressKey, this.address),
      ]),
    );
  }

  private refusal(until: number): TooManyLoginAttemptsException {
    return new TooManyLoginAttemptsException(Math.max(1, Math.ceil((until - this.clock.now()) / 1000)));
  }

  private accountKey(username: string): string {
    return `throttle:user:${digest(foldUsername(username))}`;
  }

  private addressKey(ip: string): string {
    return `throttle:ip:${digest(ip)}`;
  }
}

/** How long an answer waits for a give-back: a stalled Redis must not double the time to a 503. */
const GIVE_BACK_WAIT_MS = 250;

/** Waits for best-effort work at most {@link GIVE_BACK_WAIT_MS}; it goes on in the background after that. */
function briefly(work: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GIVE_BACK_WAIT_MS);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
