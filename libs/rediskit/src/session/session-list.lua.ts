import { defineScript } from '../scripts/lua-script.js';

/**
 * Lists a user's live sessions (oldest first) and drops index entries of expired ones.
 *
 * KEYS[1]  the user's index: ZSET session id → creation time
 * ARGV[1]  session key prefix: prefix .. id is a session key (same hash tag as KEYS[1])
 * Returns  { { id, created, last active, absolute deadline, idle ms, device, ip, user agent, fingerprint }... }
 */
export const sessionListScript = defineScript(
  'session_list',
  1,
  `
local result = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HMGET', ARGV[1] .. id, 'c', 'a', 'x', 'i', 'dev', 'ip', 'ua', 'fp')
  if v[1] then
    result[#result + 1] = { id, v[1], v[2], v[3], v[4], v[5] or '', v[6] or '', v[7] or '', v[8] or '' }
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return result
`,
);
