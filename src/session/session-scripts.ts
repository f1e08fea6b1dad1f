/**
 * Lua scripts of the Redis session backend. Each runs atomically, so a session and its user's index never
 * disagree, whatever runs in parallel. Layout (P = prefix):
 *   P session:<handle>     string: the lines of stored-session.codec.ts (user, version, times, ip, agent,
 *                          data JSON, then `key \t json` per propagated value). 0.1.0 kept hashes under
 *                          `P sess:<handle>`; a new name, so a value of the old type is never read (they expire).
 *   P user:<id>:sessions   sorted set of handles scored by expiry (Clock ms)
 * Keys are derived inside the scripts from the prefix (the index depends on the stored user), so this
 * targets a standalone Redis (or a single cluster slot), as connect-redis does by default.
 */

/** Splits a stored session into its lines. */
const LINES = `
local function lines(s)
  local t, from = {}, 1
  while true do
    local nl = string.find(s, '\\n', from, true)
    if not nl then table.insert(t, string.sub(s, from)); return t end
    table.insert(t, string.sub(s, from, nl - 1))
    from = nl + 1
  end
end
local function userOf(s)
  local nl = string.find(s, '\\n', 1, true)
  return nl and string.sub(s, 1, nl - 1) or s
end
`;

/**
 * KEYS[1]=session; ARGV: mode, value (with version line '0'), userId, ttlMs, expiresAt, now, handle,
 * loadedVersion, max, policy, prefix. An update keeps the stored version, and keeps the propagated lines
 * unless this copy was read at that version (then its data already holds them).
 */
export const SAVE_SCRIPT = `${LINES}
local key = KEYS[1]
local mode, value, uid = ARGV[1], ARGV[2], ARGV[3]
local ttl, score, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local handle, loaded, max, policy, prefix = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10], ARGV[11]
if mode == 'update' then
  local old = redis.call('GET', key)
  if not old then return 'gone' end
  local f = lines(old)
  if f[1] ~= '' and f[1] ~= uid then redis.call('ZREM', prefix .. 'user:' .. f[1] .. ':sessions', handle) end
  local n = lines(value)
  n[2] = f[2]
  if f[2] ~= loaded then
    for i = 7, #f do table.insert(n, f[i]) end
  end
  value = table.concat(n, '\\n')
elseif uid ~= '' and max > 0 then
  local idx = prefix .. 'user:' .. uid .. ':sessions'
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  local n = redis.call('ZCARD', idx)
  if n >= max then
    if policy == 'refuse' then return 'refused' end
    for _, h in ipairs(redis.call('ZRANGE', idx, 0, n - max)) do
      redis.call('DEL', prefix .. 'session:' .. h)
      redis.call('ZREM', idx, h)
    end
  end
end
redis.call('SET', key, value, 'PX', ttl)
if uid ~= '' then
  local idx = prefix .. 'user:' .. uid .. ':sessions'
  redis.call('ZADD', idx, score, handle)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
  if redis.call('PTTL', idx) < ttl then redis.call('PEXPIRE', idx, ttl) end
end
return 'ok'
`;

/** KEYS[1]=session; ARGV: prefix, handle. */
export const DESTROY_SCRIPT = `${LINES}
local old = redis.call('GET', KEYS[1])
if not old then return 0 end
redis.call('DEL', KEYS[1])
local uid = userOf(old)
if uid ~= '' then redis.call('ZREM', ARGV[1] .. 'user:' .. uid .. ':sessions', ARGV[2]) end
return 1
`;

/** KEYS[1]=index; ARGV: prefix, handle, userId. Only a session of this user is deleted. */
export const DESTROY_FOR_USER_SCRIPT = `${LINES}
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
local key = ARGV[1] .. 'session:' .. ARGV[2]
local old = redis.call('GET', key)
if old and userOf(old) == ARGV[3] then return redis.call('DEL', key) end
return 0
`;

/** KEYS[1]=index; ARGV: prefix, exceptHandle, userId. */
export const DESTROY_ALL_SCRIPT = `${LINES}
local n = 0
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if h ~= ARGV[2] then
    local key = ARGV[1] .. 'session:' .. h
    local old = redis.call('GET', key)
    if old and userOf(old) == ARGV[3] then n = n + redis.call('DEL', key) end
    redis.call('ZREM', KEYS[1], h)
  end
end
return n
`;

/** KEYS[1]=index; ARGV: prefix, now. Returns [handle, times, ip, agent, handle, …] of live sessions; prunes the rest. */
export const LIST_SCRIPT = `${LINES}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local out = {}
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local value = redis.call('GET', ARGV[1] .. 'session:' .. h)
  if value then
    local f = lines(value)
    table.insert(out, h)
    for j = 3, 5 do table.insert(out, f[j] or '') end
  else
    redis.call('ZREM', KEYS[1], h)
  end
end
return out
`;

/**
 * KEYS[1]=index; ARGV: prefix, now, key, json. Replaces the key's propagated line and bumps the version;
 * KEEPTTL keeps each session's expiry, and only existing sessions are touched (nothing is resurrected).
 */
export const SET_KEY_FOR_USER_SCRIPT = `${LINES}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local n = 0
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'session:' .. h
  local old = redis.call('GET', key)
  if old then
    local f = lines(old)
    local out = {}
    for i = 1, 6 do out[i] = f[i] or '' end
    out[2] = tostring((tonumber(f[2]) or 0) + 1)
    local prefix = ARGV[3] .. '\\t'
    for i = 7, #f do
      if string.sub(f[i], 1, #prefix) ~= prefix then table.insert(out, f[i]) end
    end
    table.insert(out, prefix .. ARGV[4])
    redis.call('SET', key, table.concat(out, '\\n'), 'KEEPTTL')
    n = n + 1
  else
    redis.call('ZREM', KEYS[1], h)
  end
end
return n
`;
