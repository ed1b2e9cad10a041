/**
 * Lua shared by the geo scripts (after the deadline prologue, which sets `now`): every script
 * of a collection takes the same three keys, in one hash tag (the collection),
 *   KEYS[1] the GEO set of positions (a sorted set of geohashes)
 *   KEYS[2] a sorted set: member -> last seen, in ms of Redis' clock
 *   KEYS[3] a hash: member -> meta, as encoded by the codec
 * and `prune(cutoff, max)` drops up to `max` members last seen at or before `cutoff` from
 * all three, returning how many it dropped. Expiry is kept per member this way (Redis has no
 * TTL on set members); pruning on every call keeps the sets small without a background job.
 */
export const GEO_PRELUDE = `
local function prune(cutoff, max)
  local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, max)
  if #stale > 0 then
    redis.call('ZREM', KEYS[1], unpack(stale))
    redis.call('ZREM', KEYS[2], unpack(stale))
    redis.call('HDEL', KEYS[3], unpack(stale))
  end
  return #stale
end
`;
