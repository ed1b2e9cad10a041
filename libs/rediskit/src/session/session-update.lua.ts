import { defineScript } from '../scripts/lua-script.js';

/**
 * Replaces a session's data if nobody changed it since it was read (compare-and-set on the
 * revision), so two concurrent `update` calls never lose one another's patch.
 *
 * KEYS[1]  the session: HASH
 * ARGV[1]  the revision the caller read
 * ARGV[2]  the new encoded data
 * Returns  the new revision; 0 when the revision changed meanwhile; -1 when the session is gone
 */
export const sessionUpdateScript = defineScript(
  'session_update',
  1,
  `
local r = redis.call('HGET', KEYS[1], 'r')
if not r then return -1 end
if r ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'r', string.format('%d', tonumber(r) + 1))
return tonumber(r) + 1
`,
);
