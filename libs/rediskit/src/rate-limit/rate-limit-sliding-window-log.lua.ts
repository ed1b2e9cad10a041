import { LUA_NOW, luaRefuse, rateLimitScript } from './rate-limit.lua-prelude.js';

/**
 * Sliding window log: one sorted-set entry per admitted unit, scored by its Redis time; exact
 * over every window-long span.
 *
 * key      sorted set of admitted units (score = ms, member = "ms:n", unique per script run)
 * (rateLimitScript describes the penalty box, the arguments and the batching.)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}. A refused call is not logged, so a
 * client that keeps retrying is admitted again as soon as old entries leave the window.
 */
export const slidingWindowLogScript = rateLimitScript(
  'rate_limit_sliding_window_log',
  `${LUA_NOW}
local from = string.format('(%.3f', now - window)
local count
if write then
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.sub(from, 2))
  count = redis.call('ZCARD', key)
else
  count = redis.call('ZCOUNT', key, from, '+inf')
end
if count + cost > limit then
  -- The call fits once the (count + cost - limit) oldest live entries have left the window.
  local oldest = redis.call('ZRANGEBYSCORE', key, from, '+inf', 'WITHSCORES', 'LIMIT', count + cost - limit - 1, 1)
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  ${luaRefuse('limit - count', 'tonumber(newest[2]) + window - now', 'tonumber(oldest[2]) + window - now')}
end
if write then
  -- count + i is unique among entries scored "now": an earlier run at the same µs left its
  -- entries in the set, so this run's count is higher.
  for i = 1, cost do
    redis.call('ZADD', key, now, string.format('%.3f:%d', now, count + i))
  end
  redis.call('PEXPIRE', key, math.ceil(window))
end
return {1, limit - count - cost, math.ceil(window), 0}
`,
);
