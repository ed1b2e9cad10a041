import { defineScript } from '../scripts/lua-script.js';

/**
 * Moves a session to a new token: the old key is renamed, so the old token stops working in
 * the same step. Creation time and absolute deadline are kept (rotation never extends a session).
 *
 * KEYS[1]  the session under the old token: HASH
 * KEYS[2]  the session under the new token (same user, so same hash tag)
 * ARGV[1]  the old session id
 * ARGV[2]  the new session id
 * ARGV[3]  deadline (Redis ms): run later, the script changes nothing (see scripts/deadline.ts)
 * Returns  nil when the old session is gone, else
 *          { now, u, c, a, x, i, r, d, dev, ip, ua, fp, v } of the new one (SESSION_FIELDS order)
 */
export const sessionRotateScript = defineScript(
  'session_rotate',
  2,
  `
local function int(n) return string.format('%d', n) end
local ix = redis.call('HGET', KEYS[1], 'ix')
if not ix then return nil end
local s = redis.call('HMGET', KEYS[1], 'u', 'c', 'a', 'x', 'i', 'r', 'd', 'dev', 'ip', 'ua', 'fp', 'v')
local absolute, idle = tonumber(s[4]), tonumber(s[5])
if now >= absolute or now >= tonumber(s[3]) + idle then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', ix, ARGV[1])
  return nil
end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[2], 'a', int(now))
redis.call('PEXPIREAT', KEYS[2], int(math.min(now + idle, absolute)))
redis.call('ZREM', ix, ARGV[1])
redis.call('ZADD', ix, s[2], ARGV[2])
s[3] = int(now)
return { now, s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12] }
`,
  { deadline: true },
);
