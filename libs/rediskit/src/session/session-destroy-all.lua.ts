import { defineScript } from '../scripts/lua-script.js';

/**
 * Deletes every session of a user through the user's index: no SCAN, one slot, one step.
 *
 * KEYS[1]  the user's index: ZSET of session ids
 * ARGV[1]  session key prefix: prefix .. id is a session key (same hash tag as KEYS[1])
 * Returns  { now, id of each session that was still alive... }
 */
export const sessionDestroyAllScript = defineScript(
  'session_destroy_all',
  1,
  `
local t = redis.call('TIME')
local result = { tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) }
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('DEL', ARGV[1] .. id) == 1 then result[#result + 1] = id end
end
redis.call('DEL', KEYS[1])
return result
`,
);
