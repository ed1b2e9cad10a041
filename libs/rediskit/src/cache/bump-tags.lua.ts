import { defineScript } from '../scripts/lua-script.js';

/**
 * Invalidates tags by raising their versions, all in one atomic step (one hash, one slot).
 *
 * KEYS[1]  the tag-version hash of the cache
 * ARGV     the tag names to invalidate
 * Returns  the new version of each tag, in ARGV order.
 */
export const bumpTagsScript = defineScript(
  'cache_bump_tags',
  1,
  `
local out = {}
for i, tag in ipairs(ARGV) do
  out[i] = redis.call('HINCRBY', KEYS[1], tag, 1)
end
return out
`,
);
