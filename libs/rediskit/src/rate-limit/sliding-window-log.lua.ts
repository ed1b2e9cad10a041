import { LUA_NOW, LUA_PRELUDE, luaRefuse, rateLimitScripts } from './rate-limit.lua-prelude.js';

/**
 * Sliding window log: one sorted-set entry per admitted unit, scored by its Redis time; exact
 * over every window-long span.
 *
 * KEYS[1]  sorted set of admitted units (score = ms, member = "ms:n", unique per script run)
 * KEYS[2]  penalty-box marker (only with a blockDuration)
 * ARGV     limit, window ms, ±cost [, capacity (unused) [, block ms]] (see LUA_PRELUDE)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}. A refused call is not logged, so a
 * client that keeps retrying is admitted again as soon as old entries leave the window.
 */
export const slidingWindowLogScripts = rateLimitScripts(
  'rl_sliding_window_log',
  `${LUA_PRELUDE}${LUA_NOW}
local from = string.format('(%.3f', now - window)
local count
if write then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.sub(from, 2))
  count = redis.call('ZCARD', KEYS[1])
else
  count = redis.call('ZCOUNT', KEYS[1], from, '+inf')
end
if count + cost > limit then
  -- The call fits once the (count + cost - limit) oldest live entries have left the window.
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', count + cost - limit - 1, 1)
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  ${luaRefuse('limit - count', 'tonumber(newest[2]) + window - now', 'tonumber(oldest[2]) + window - now')}
end
if write then
  -- count + i is unique among entries scored "now": an earlier run at the same µs left its
  -- entries in the set, so this run's count is higher.
  for i = 1, cost do
    redis.call('ZADD', KEYS[1], now, string.format('%.3f:%d', now, count + i))
  end
  redis.call('PEXPIRE', KEYS[1], math.ceil(window))
  count = count + cost
  return {1, limit - count, math.ceil(window), 0}
end
if count == 0 then return {1, limit, 0, 0} end
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
return {1, limit - count, math.ceil(tonumber(newest[2]) + window - now), 0}
`,
);
