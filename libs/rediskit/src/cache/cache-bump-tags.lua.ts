import { defineScript } from '../scripts/lua-script.js';

/**
 * Invalidates tags by raising their versions, all in one atomic step (one hash, one slot).
 * Versions come from one sequence kept in the hash's field `""` (no tag is empty), so a tag's
 * version is the sequence number of its last invalidation, and every version is at most the
 * sequence: a load that read the sequence before it started knows a tag was invalidated while
 * it ran when the tag's version is above it (tags known only after a load, see TagVersions).
 * A missing sequence (first use, or lost: a restart without persistence) starts from Redis'
 * clock in microseconds, above every number it gave before; a version above the sequence
 * (written before the sequence existed) is stepped over, so versions never go back.
 *
 * With a channel, the script also publishes the bus message other instances apply
 * (`<sender>{"t":{tag:version,...},"s":sequence,"at":sentAt}`, as `CacheBus.publish` would):
 * one round trip instead of two, and no moment where versions are raised but not announced.
 *
 * KEYS[1]  the tag-version hash of the cache
 * ARGV[1]  the bus channel, or '' to publish nothing
 * ARGV[2]  the sender id that starts the message
 * ARGV[3]  the sending time (ms since the epoch)
 * ARGV[4..] the tag names to invalidate
 * Returns  the new version of each tag, in order, then the sequence.
 */
export const bumpTagsScript = defineScript(
  'cache_bump_tags',
  1,
  `
local seq = tonumber(redis.call('HGET', KEYS[1], '') or '')
if not seq then
  local now = redis.call('TIME')
  seq = tonumber(now[1]) * 1000000 + tonumber(now[2])
end
local out = {}
local json = {}
for i = 4, #ARGV do
  local tag = ARGV[i]
  seq = seq + 1
  local old = tonumber(redis.call('HGET', KEYS[1], tag) or '') or 0
  if old >= seq then seq = old + 1 end
  local version = string.format('%d', seq)
  redis.call('HSET', KEYS[1], tag, version)
  out[i - 3] = seq
  json[i - 3] = cjson.encode(tag) .. ':' .. version
end
redis.call('HSET', KEYS[1], '', string.format('%d', seq))
out[#out + 1] = seq
if ARGV[1] ~= '' then
  redis.call('PUBLISH', ARGV[1], ARGV[2] .. '{"t":{' .. table.concat(json, ',') .. '},"s":' .. string.format('%d', seq) .. ',"at":' .. ARGV[3] .. '}')
end
return out
`,
);
