/**
 * Lua scripts of the Redis session store. Each runs atomically, so a session and its user's index never
 * disagree, whatever runs in parallel. Layout (P = prefix, T = the tag a handle starts with, see session-id.ts):
 *   P{T}s:<rest of handle>  string: the lines of stored-session.codec.ts (user, version, times, ip, agent,
 *                           data JSON, then `key \t json` per propagated value)
 *   P{T}u:<user id>         sorted set of the user's handles scored by expiry (Clock ms)
 *   P{T}e:<user id>         the user's epoch: moved by every revoke-all, checked when a login stores its session
 * A signed-in session's tag is its user's, so every key a script touches shares one hash slot. Session keys
 * named by an index are derived inside the scripts from their handles.
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
local function skey(prefix, h)
  return prefix .. '{' .. string.sub(h, 1, 6) .. '}s:' .. string.sub(h, 7)
end
`;

/**
 * KEYS: session, the user's index, the user's epoch. ARGV: mode, value (with version line '0'), userId, ttlMs,
 * expiresAt, now, handle, loadedVersion, max, policy, prefix, epoch. An update keeps the stored version, and
 * keeps the propagated lines unless this copy was read at that version (then its data already holds them).
 * A create of a signed-in session is refused ('stale') when the user's epoch moved since the login read it.
 */
export const SAVE_SCRIPT = `${LINES}
local key, idx, ekey = KEYS[1], KEYS[2], KEYS[3]
local mode, value, uid = ARGV[1], ARGV[2], ARGV[3]
local ttl, score, now = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local handle, loaded, max, policy, prefix, epoch = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10], ARGV[11], ARGV[12]
if mode == 'update' then
  local old = redis.call('GET', key)
  if not old then return 'gone' end
  local f = lines(old)
  if f[1] ~= '' and f[1] ~= uid then
    redis.call('ZREM', prefix .. '{' .. string.sub(handle, 1, 6) .. '}u:' .. f[1], handle)
  end
  local n = lines(value)
  n[2] = f[2]
  if f[2] ~= loaded then
    for i = 7, #f do table.insert(n, f[i]) end
  end
  value = table.concat(n, '\\n')
elseif uid ~= '' then
  if epoch ~= '' and (redis.call('GET', ekey) or '0') ~= epoch then return 'stale' end
  if max > 0 then
    redis.call('ZREMRANGEBYSCORE', idx, '-inf', now)
    local n = redis.call('ZCARD', idx)
    if n >= max then
      if policy == 'refuse' then return 'refused' end
      for _, h in ipairs(redis.call('ZRANGE', idx, 0, n - max)) do
        redis.call('DEL', skey(prefix, h))
        redis.call('ZREM', idx, h)
      end
    end
  end
end
redis.call('SET', key, value, 'PX', ttl)
if uid ~= '' then
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
if uid ~= '' then redis.call('ZREM', ARGV[1] .. '{' .. string.sub(ARGV[2], 1, 6) .. '}u:' .. uid, ARGV[2]) end
return 1
`;

/** KEYS[1]=index; ARGV: prefix, handle, userId. Only a session of this user is deleted. */
export const DESTROY_FOR_USER_SCRIPT = `${LINES}
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
local key = skey(ARGV[1], ARGV[2])
local old = redis.call('GET', key)
if old and userOf(old) == ARGV[3] then return redis.call('DEL', key) end
return 0
`;

/**
 * KEYS: the user's index, the user's epoch; ARGV: prefix, exceptHandle, userId, epochTtlMs. Moves the epoch,
 * so a login already past its checks when this runs cannot store its session afterwards.
 */
export const DESTROY_ALL_SCRIPT = `${LINES}
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local n = 0
for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if h ~= ARGV[2] then
    local key = skey(ARGV[1], h)
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
  local value = redis.call('GET', skey(ARGV[1], h))
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
  local key = skey(ARGV[1], h)
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
