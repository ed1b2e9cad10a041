import { defineScript } from '../scripts/lua-script.js';

/**
 * Appends a notification to a user's inbox stream and publishes it live, in one step, so the
 * live order equals the inbox order and the live message carries the inbox entry id.
 *
 * KEYS[1]  the user's inbox stream
 * KEYS[2]  the user's acknowledgement cursor (its TTL follows the stream)
 * ARGV[1]  the encoded envelope body ({ type, data, ts, source } through the codec)
 * ARGV[2]  keep about this many entries (XADD MAXLEN ~)
 * ARGV[3]  retention in ms: older entries are trimmed (XTRIM MINID ~, by Redis TIME)
 * ARGV[4]  the user's channel
 * ARGV[5]  'PUBLISH' or 'SPUBLISH' (sharded; the channel shares the stream's slot)
 *
 * Returns { entry id, number of live receivers }.
 */
export const inboxAppendScript = defineScript(
  'pubsub_inbox_append',
  2,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local retention = tonumber(ARGV[3])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'b', ARGV[1])
redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', now - retention))
redis.call('PEXPIRE', KEYS[1], retention)
redis.call('PEXPIRE', KEYS[2], retention)
local receivers = redis.call(ARGV[5], ARGV[4], id .. '\\n' .. ARGV[1])
return { id, receivers }
`,
);
