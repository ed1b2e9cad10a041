import { defineScript } from '../scripts/lua-script.js';

/**
 * Reads a user's inbox in order: the entries after `since` (or after the acknowledged cursor
 * when `since` is empty), never older than the retention (approximate trimming may leave some).
 *
 * KEYS[1]  the user's inbox stream
 * KEYS[2]  the user's acknowledgement cursor
 * ARGV[1]  exclusive start id, or '' for "after the acknowledged cursor"
 * ARGV[2]  at most this many entries
 * ARGV[3]  retention in ms
 *
 * Returns XRANGE entries: { { id, { 'b', body } }, ... }.
 */
export const inboxFetchScript = defineScript(
  'pubsub_inbox_fetch',
  2,
  `
local since = ARGV[1]
if since == '' then since = redis.call('GET', KEYS[2]) or '' end
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])
local start = string.format('%d', cutoff) .. '-0'
if since ~= '' then
  local ms = tonumber(string.match(since, '^(%d+)'))
  if ms and ms >= cutoff then start = '(' .. since end
end
return redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', ARGV[2])
`,
);
