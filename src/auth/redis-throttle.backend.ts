import type { Clock } from '../common/clock.js';
import type { RedisScriptRunner } from '../session/redis-script.runner.js';
import { ThrottleBackend, type BackoffPolicy, type ThrottleState } from './throttle-backend.js';

/** KEYS[1]=counter; ARGV: now, free, base, max, resetAfter. Hash fields: c = failures, l = last failure, b = blocked until. */
const FAIL_SCRIPT = `
local now, free, base, max, reset = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local c = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
local l = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
if now - l > reset then c = 0 end
c = c + 1
local b = 0
if c > free then b = now + math.min(max, base * 2 ^ math.min(40, c - free - 1)) end
redis.call('HSET', KEYS[1], 'c', c, 'l', now, 'b', b)
redis.call('PEXPIRE', KEYS[1], reset + max)
return tostring(b)
`;

/** Throttle counters in Redis, one small hash per account or address, updated by one script. */
export class RedisThrottleBackend extends ThrottleBackend {
  constructor(
    private readonly redis: RedisScriptRunner,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  async read(key: string): Promise<ThrottleState> {
    const [b, c] = (await this.redis.command(['HMGET', this.prefix + key, 'b', 'c'])) as [string | null, string | null];
    const until = Number(b);
    return { blockedUntil: Number.isFinite(until) && until > this.clock.now() ? until : 0, counted: c !== null };
  }

  async fail(key: string, p: BackoffPolicy): Promise<number> {
    const reply = await this.redis.script(FAIL_SCRIPT, [this.prefix + key], [this.clock.now(), p.freeFailures, p.baseDelayMs, p.maxDelayMs, p.resetAfterMs]);
    return Number(reply);
  }

  async reset(key: string): Promise<void> {
    await this.redis.command(['DEL', this.prefix + key]);
  }
}
