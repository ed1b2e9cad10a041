/**
 * Lua shared by the reservation scripts (after the deadline prologue, which sets `now`). Every
 * script of an item takes the same three keys, in one hash tag (the item):
 *   KEYS[1] a hash: `onHand` (units in stock, held ones included) and `held` (units in active holds)
 *   KEYS[2] a hash: hold token -> its quantity while active, then its outcome:
 *           'c' confirmed, 'r' released, 'e' expired
 *   KEYS[3] a sorted set: hold token -> when it is due, in ms of Redis' clock: an active hold's
 *           expiry, a settled hold's end of memory (now + keepOutcomes)
 *
 * `reclaim(keep, max)` handles up to `max` due tokens, oldest first: an expired hold gives its
 * quantity back (`held` goes down) and is remembered as 'e' for `keep` ms; a remembered outcome
 * whose time is up is forgotten. Every script calls it first, so holds expire on the next call
 * for their item without a background job, and `available` never counts an expired hold.
 * `expire(token, q, keep)` does the same for one hold. Quantities only move by HINCRBY (exact
 * 64-bit integers in Redis; ARGV quantities are bounded well below 2^53).
 */
export const RESERVATION_PRELUDE = `
local function expire(token, q, keep)
  redis.call('HINCRBY', KEYS[1], 'held', -q)
  redis.call('HSET', KEYS[2], token, 'e')
  redis.call('ZADD', KEYS[3], now + keep, token)
end

local function reclaim(keep, max)
  local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, max)
  local expired = 0
  for _, token in ipairs(due) do
    local q = tonumber(redis.call('HGET', KEYS[2], token))
    if q then
      expire(token, q, keep)
      expired = expired + 1
    else
      redis.call('HDEL', KEYS[2], token)
      redis.call('ZREM', KEYS[3], token)
    end
  end
  return expired
end

local function level()
  local v = redis.call('HMGET', KEYS[1], 'onHand', 'held')
  local onHand = tonumber(v[1]) or 0
  local held = tonumber(v[2]) or 0
  local available = onHand - held
  if available < 0 then available = 0 end
  return onHand, held, available
end
`;
