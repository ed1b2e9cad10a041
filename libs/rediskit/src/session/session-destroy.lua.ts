import { defineScript } from '../scripts/lua-script.js';

/**
 * Deletes one session and its entry in the user's index.
 *
 * KEYS[1]  the session: HASH
 * ARGV[1]  the session id
 * ARGV[2]  the user it must belong to ('' = any)
 * Returns  nil when there was no such session (of that user), else { user id, now }
 */
export const sessionDestroyScript = defineScript(
  'session_destroy',
  1,
  `
local v = redis.call('HMGET', KEYS[1], 'u', 'ix')
if not v[1] then return nil end
if ARGV[2] ~= '' and v[1] ~= ARGV[2] then return nil end
redis.call('DEL', KEYS[1])
redis.call('ZREM', v[2], ARGV[1])
local t = redis.call('TIME')
return { v[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) }
`,
);
