import { batchScript } from '../scripts/batch-script.js';

/**
 * Appends notifications to users' inbox streams and publishes each live, in one step, so the
 * live order equals the inbox order and the live message carries the inbox entry id. One call
 * holds the notifications sent in the same tick (see ScriptBatcher), each handled on its own.
 *
 * Per notification i (KEYS and ARGV counted from 1 for it):
 * KEYS[1]  the user's inbox stream
 * KEYS[2]  the user's acknowledgement cursor (its TTL follows the stream)
 * ARGV[1]  the encoded envelope body ({ type, data, ts, source } through the codec)
 * ARGV[2]  keep about this many entries (XADD MAXLEN ~)
 * ARGV[3]  retention in ms: older entries are trimmed (XTRIM MINID ~, by Redis TIME)
 * ARGV[4]  the user's channel
 * ARGV[5]  'PUBLISH' or 'SPUBLISH' (sharded; the channel shares the stream's slot)
 * and, after every notification's ARGV, the deadline (Redis ms): run later, the script
 * changes nothing (see scripts/deadline.ts)
 *
 * Returns { entry id, number of live receivers } per notification, flattened. Trimming and
 * expiry run once per stream and batch, after its last append (they only depend on the
 * stream, the batch's Redis time and the retention).
 */
export const inboxAppendScript = batchScript(
  'pubsub_inbox_append',
  `
local out = {}
local last = {}
for i = 0, #KEYS / 2 - 1 do
  local stream, a = KEYS[2 * i + 1], 5 * i
  local id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[a + 2], '*', 'b', ARGV[a + 1])
  last[stream] = i
  out[2 * i + 1] = id
  out[2 * i + 2] = redis.call(ARGV[a + 5], ARGV[a + 4], id .. '\\n' .. ARGV[a + 1])
end
for stream, i in pairs(last) do
  local retention = tonumber(ARGV[5 * i + 3])
  redis.call('XTRIM', stream, 'MINID', '~', string.format('%d', now - retention))
  redis.call('PEXPIRE', stream, retention)
  redis.call('PEXPIRE', KEYS[2 * i + 2], retention)
end
return out
`,
  { deadline: true },
);
