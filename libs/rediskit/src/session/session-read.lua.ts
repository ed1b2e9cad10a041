import { defineScript } from '../scripts/lua-script.js';

/**
 * Reads a session and, when asked, slides its idle timeout: at most one write per touch
 * interval, never past the absolute deadline, never for a session that is gone.
 *
 * KEYS[1]  the session: HASH
 * ARGV[1]  '1' to slide the idle timeout (touch), '0' to only read
 * ARGV[2]  touch interval (ms): no write when the last one is more recent
 * ARGV[3]  the session id (to drop it from its user's index when it is past its deadline)
 * Returns  nil when there is no live session, else
 *          { now, touched 0|1, u, c, a, x, i, r, d, dev, ip, ua, fp, v } (fields in SESSION_FIELDS order)
 */
export const sessionReadScript = defineScript(
  'session_read',
  1,
  `
local function int(n) return string.format('%d', n) end
local s = redis.call('HMGET', KEYS[1], 'u', 'c', 'a', 'x', 'i', 'r', 'd', 'dev', 'ip', 'ua', 'fp', 'v', 'ix')
if not s[1] then return nil end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last, absolute, idle = tonumber(s[3]), tonumber(s[4]), tonumber(s[5])

-- Redis expires the key on time; this guards against a deadline it has not acted on yet.
if now >= absolute or now >= last + idle then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', s[13], ARGV[3])
  return nil
end

local touched = 0
if ARGV[1] == '1' and now - last >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'a', int(now))
  redis.call('PEXPIREAT', KEYS[1], int(math.min(now + idle, absolute)))
  touched = 1
  s[3] = int(now)
end
return { now, touched, s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12] }
`,
);
