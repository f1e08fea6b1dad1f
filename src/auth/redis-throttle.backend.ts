import type { Clock } from '../common/clock.js';
import type { RedisScriptRunner } from '../session/redis-script.runner.js';
import { ThrottleBackend, type BackoffPolicy, type ThrottleTake } from './throttle.backend.js';

/**
 * KEYS[1]=counter; ARGV: now, free, base, max, resetAfter. Hash fields: c = attempts counted, l = last
 * attempt, b = blocked until. Replies {taken (0|1), blocked until}.
 */
const TAKE_SCRIPT = `
local now, free, base, max, reset = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'c', 'l', 'b')
local c, l, b = tonumber(h[1] or '0'), tonumber(h[2] or '0'), tonumber(h[3] or '0')
if now - l > reset then c = 0; b = 0 end
if b > now then return {0, tostring(b)} end
c = c + 1
b = 0
if c >= free then b = now + math.min(max, base * 2 ^ math.min(40, c - free)) end
redis.call('HSET', KEYS[1], 'c', c, 'l', now, 'b', b)
redis.call('PEXPIRE', KEYS[1], reset + max)
return {1, tostring(b)}
`;

/** KEYS[1]=counter; ARGV: free, base, max. One attempt less; the block follows the count from the last attempt. */
const GIVE_BACK_SCRIPT = `
local free, base, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'c', 'l')
if not h[1] then return 0 end
local c, l = tonumber(h[1]) - 1, tonumber(h[2] or '0')
if c <= 0 then redis.call('DEL', KEYS[1]) return 0 end
local b = 0
if c >= free then b = l + math.min(max, base * 2 ^ math.min(40, c - free)) end
redis.call('HSET', KEYS[1], 'c', c, 'b', b)
return 1
`;

/** KEYS[1]=counter; ARGV: limit, window. Replies 0 within the limit, else the window's remaining ms. */
const HIT_SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if c <= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
return ttl
`;

/** Throttle counters in Redis, one small hash per account or address, each step one script. */
export class RedisThrottleBackend extends ThrottleBackend {
  constructor(
    private readonly redis: RedisScriptRunner,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  async take(key: string, p: BackoffPolicy): Promise<ThrottleTake> {
    const reply = (await this.redis.script(
      TAKE_SCRIPT,
      [this.prefix + key],
      [this.clock.now(), p.freeFailures, p.baseDelayMs, p.maxDelayMs, p.resetAfterMs],
    )) as [number, string];
    return { taken: Number(reply[0]) === 1, blockedUntil: Number(reply[1]) };
  }

  async giveBack(key: string, p: BackoffPolicy): Promise<void> {
    await this.redis.script(GIVE_BACK_SCRIPT, [this.prefix + key], [p.freeFailures, p.baseDelayMs, p.maxDelayMs]);
  }

  async reset(key: string): Promise<void> {
    await this.redis.command(['DEL', this.prefix + key]);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    return Number(await this.redis.script(HIT_SCRIPT, [this.prefix + key], [limit, windowMs]));
  }
}
