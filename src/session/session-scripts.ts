/**
 * Lua scripts of the Redis session backend. Each runs atomically, so a session and its user's index never
 * disagree, whatever runs in parallel. Layout (P = prefix):
 *   P sess:<handle>        hash: u = user ID ('' when anonymous), m = login times, i = client IP, a = user agent,
 *                          d = data JSON, v = version of propagated keys, p:<key> = propagated value
 * Fields are kept short (Redis stores a hash whose values are all under 64 bytes as one compact listpack).
 *   P user:<id>:sessions   sorted set of handles scored by expiry (Clock ms)
 * Keys are derived inside the scripts from the prefix (the index depends on the stored user), so this
 * targets a standalone Redis (or a single cluster slot), as connect-redis does by default.
 */

/** KEYS[1]=session; ARGV: mode, json, userId, ttlMs, expiresAt, now, handle, loadedVersion, max, policy, prefix, times, ip, agent. */
export const SAVE_SCRIPT = `
local key = KEYS[1]
local mode, json, uid = ARGV[1], ARGV[2], ARGV[3]
local ttl, score, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local handle, loaded, max, policy, prefix = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10], ARGV[11]
if mode == 'update' then
  if redis.call('EXISTS', key) == 0 then return 'gone' end
  local old = redis.call('HGET', key, 'u') or ''
  if old ~= '' and old ~= uid then redis.call('ZREM', prefix .. 'user:' .. old .. ':sessions', handle) end
  if (redis.call('HGET', key, 'v') or '0') == loaded then
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, 2) == 'p:' then redis.call('HDEL', key, f) end
    end
  end
elseif uid ~= '' and max > 0 then
  local idx = prefix .. 'user:' .. uid .. ':sessions'
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  local n = redis.call('ZCARD', idx)
  if n >= max then
    if policy == 'refuse' then return 'refused' end
    for _, h in ipairs(redis.call('ZRANGE', idx, 0, n - max)) do
      redis.call('DEL', prefix .. 'sess:' .. h)
      redis.call('ZREM', idx, h)
    end
  end
end
-- One HSET with every field: the hash is built in one go.
local fields, empty = {'u', uid, 'd', json}, {}
for i, f in ipairs({'m', 'i', 'a'}) do
  local v = ARGV[11 + i]
  if v == '' then table.insert(empty, f) else table.insert(fields, f); table.insert(fields, v) end
end
if #empty > 0 then redis.call('HDEL', key, unpack(empty)) end
redis.call('HSET', key, unpack(fields))
redis.call('PEXPIRE', key, ttl)
if uid ~= '' then
  local idx = prefix .. 'user:' .. uid .. ':sessions'
  redis.call('ZADD', idx, score, handle)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  if redis.call('PTTL', idx) < ttl then redis.call('PEXPIRE', idx, ttl) end
end
return 'ok'
`;

/** KEYS[1]=session; ARGV: prefix, handle. */
export const DESTROY_SCRIPT = `
local uid = redis.call('HGET', KEYS[1], 'u')
local n = redis.call('DEL', KEYS[1])
if uid and uid ~= '' then redis.call('ZREM', ARGV[1] .. 'user:' .. uid .. ':sessions', ARGV[2]) end
return n
`;

/** KEYS[1]=index; ARGV: prefix, handle, userId. Only a session of this user is deleted. */
export const DESTROY_FOR_USER_SCRIPT = `
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
local key = ARGV[1] .. 'sess:' .. ARGV[2]
if redis.call('HGET', key, 'u') == ARGV[3] then return redis.call('DEL', key) end
return 0
`;

/** KEYS[1]=index; ARGV: prefix, exceptHandle, userId. */
export const DESTROY_ALL_SCRIPT = `
local n = 0
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if h ~= ARGV[2] then
    local key = ARGV[1] .. 'sess:' .. h
    if redis.call('HGET', key, 'u') == ARGV[3] then n = n + redis.call('DEL', key) end
    redis.call('ZREM', KEYS[1], h)
  end
end
return n
`;

/** KEYS[1]=index; ARGV: prefix, now. Returns [handle, times, ip, agent, handle, …] of live sessions; prunes the rest. */
export const LIST_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local out = {}
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'sess:' .. h
  if redis.call('EXISTS', key) == 1 then
    local m = redis.call('HMGET', key, 'm', 'i', 'a')
    table.insert(out, h)
    for j = 1, 3 do table.insert(out, m[j] or '') end
  else
    redis.call('ZREM', KEYS[1], h)
  end
end
return out
`;

/** KEYS[1]=index; ARGV: prefix, now, field, json. HSET keeps the TTL; EXISTS first so nothing is resurrected. */
export const SET_KEY_FOR_USER_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local n = 0
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'sess:' .. h
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'p:' .. ARGV[3], ARGV[4])
    redis.call('HINCRBY', key, 'v', 1)
    n = n + 1
  else
    redis.call('ZREM', KEYS[1], h)
  end
end
return n
`;
