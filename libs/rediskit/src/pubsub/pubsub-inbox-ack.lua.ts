import { defineScript } from '../scripts/lua-script.js';

/**
 * Moves a user's acknowledgement cursor forward to `id` (never back): everything up to and
 * including `id` counts as read, and `fetch()` without `since` starts after it.
 *
 * KEYS[1]  the user's acknowledgement cursor
 * ARGV[1]  the acknowledged entry id (<ms>-<seq>)
 * ARGV[2]  retention in ms (the cursor lives as long as the inbox)
 *
 * Returns 1 when the cursor moved, 0 when it was already at or past `id`.
 */
export const inboxAckScript = defineScript(
  'pubsub_inbox_ack',
  1,
  `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local current = redis.call('GET', KEYS[1])
if current then
  local cms, cseq = parse(current)
  local nms, nseq = parse(ARGV[1])
  if cms and (cms > nms or (cms == nms and cseq >= nseq)) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
);
