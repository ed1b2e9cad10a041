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
 * KEYS[1]  the tag-version hash of the cache
 * ARGV     the tag names to invalidate
 * Returns  the new version of each tag, in ARGV order, then the sequence.
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
for i, tag in ipairs(ARGV) do
  seq = seq + 1
  local old = tonumber(redis.call('HGET', KEYS[1], tag) or '') or 0
  if old >= seq then seq = old + 1 end
  redis.call('HSET', KEYS[1], tag, string.format('%d', seq))
  out[i] = seq
end
redis.call('HSET', KEYS[1], '', string.format('%d', seq))
out[#ARGV + 1] = seq
return out
`,
);
