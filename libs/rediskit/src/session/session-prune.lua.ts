import { defineScript } from '../scripts/lua-script.js';

/**
 * Index hygiene for `cleanup()`: drops entries whose session expired on its own.
 *
 * KEYS[1]  a user's index: ZSET of session ids
 * ARGV[1]  session key prefix: prefix .. id is a session key (same hash tag as KEYS[1])
 * Returns  { entries removed, live sessions left }
 */
export const sessionPruneScript = defineScript(
  'session_prune',
  1,
  `
local removed = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then
    redis.call('ZREM', KEYS[1], id)
    removed = removed + 1
  end
end
return { removed, redis.call('ZCARD', KEYS[1]) }
`,
);
