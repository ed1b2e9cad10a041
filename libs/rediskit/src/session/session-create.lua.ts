import { defineScript } from '../scripts/lua-script.js';

/**
 * Creates a session and enforces the per-user limit in one atomic step, so 50 concurrent logins
 * of one user can never leave more than `max` sessions.
 *
 * KEYS[1]  the user's index: ZSET session id → creation time (ms)
 * KEYS[2]  the new session: HASH
 * ARGV[1]  session key prefix: prefix .. id is a session key (same hash tag as KEYS[1])
 * ARGV[2]  the new session id (SHA-256 of its token)
 * ARGV[3]  max sessions per user
 * ARGV[4]  idle timeout (ms)
 * ARGV[5]  absolute timeout (ms)
 * ARGV[6]  user id
 * ARGV[7]  encoded data
 * ARGV[8..n-1] field, value pairs of client info (dev, ip, ua, fp)
 * ARGV[n]  deadline (Redis ms): run later, the script changes nothing (see scripts/deadline.ts)
 * Returns  { now, evicted session id... }
 */
export const sessionCreateScript = defineScript(
  'session_create',
  2,
  `
local function int(n) return string.format('%d', n) end
local prefix = ARGV[1]

-- Index hygiene first: members whose session expired on its own do not count.
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', prefix .. id) == 0 then redis.call('ZREM', KEYS[1], id) end
end

local result = { now }
local max = tonumber(ARGV[3])
while redis.call('ZCARD', KEYS[1]) >= max do
  local oldest = redis.call('ZPOPMIN', KEYS[1])
  redis.call('DEL', prefix .. oldest[1])
  result[#result + 1] = oldest[1]
end

local idle = tonumber(ARGV[4])
local absolute = now + tonumber(ARGV[5])
local fields = { 'u', ARGV[6], 'ix', KEYS[1], 'c', int(now), 'a', int(now), 'x', int(absolute), 'i', int(idle), 'r', '1', 'd', ARGV[7] }
for i = 8, #ARGV - 1 do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('PEXPIREAT', KEYS[2], int(math.min(now + idle, absolute)))
redis.call('ZADD', KEYS[1], int(now), ARGV[2])

-- The index lives as long as its longest-lived session can.
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 or now + pttl < absolute then redis.call('PEXPIREAT', KEYS[1], int(absolute)) end
return result
`,
  { deadline: true },
);
