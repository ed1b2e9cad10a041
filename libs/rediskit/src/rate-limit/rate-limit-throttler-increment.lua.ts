import { defineScript } from '../scripts/lua-script.js';

/**
 * One `ThrottlerStorage.increment` of @nestjs/throttler: a counter whose window starts at the
 * first hit, and a penalty box opened when the limit is exceeded.
 *
 * KEYS[1]  hit counter (expires with its window)
 * KEYS[2]  block marker (expires with the block)
 * ARGV[1]  ttl ms
 * ARGV[2]  limit
 * ARGV[3]  block duration ms; 0 = refuse without counting until the window ends
 * ARGV[4]  deadline (Redis ms): run later, the script changes nothing (see scripts/deadline.ts)
 *
 * Returns {totalHits, timeToExpire ms, isBlocked 0|1, timeToBlockExpire ms}. Hits are not
 * counted while blocked, and the counter is dropped when a block starts, so a fresh window
 * begins when the block ends (as in the package's in-memory storage).
 */
export const throttlerIncrementScript = defineScript(
  'rate_limit_throttler_increment',
  2,
  `
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {limit + 1, blocked, 1, blocked} end
if block <= 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  if hits >= limit then
    local left = redis.call('PTTL', KEYS[1])
    return {hits + 1, left, 1, left}
  end
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  left = ttl
end
if hits > limit then
  redis.call('SET', KEYS[2], '1', 'PX', block)
  redis.call('DEL', KEYS[1])
  return {hits, block, 1, block}
end
return {hits, left, 0, 0}
`,
  { deadline: true },
);
