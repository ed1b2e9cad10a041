import { LUA_NOW, luaRefuse, rateLimitScript } from './rate-limit.lua-prelude.js';

/**
 * Sliding window log: one list entry per admitted unit, its Redis time in ms (µs precision),
 * oldest first; exact over every window-long span.
 *
 * key      list of admitted units' times, appended in time order (RPUSH), so the entries that
 *          left the window are always at the head: a consume drops them with LTRIM (found by
 *          binary search with LINDEX), a peek skips them and writes nothing. An admitted
 *          consume is LINDEX 0 + RPUSH + PEXPIRE: RPUSH's reply is the count, and a refused one
 *          takes its units back (RPOP). Earlier versions kept a sorted set; a key still of
 *          that type is converted to a list of the same entries on first use.
 * (rateLimitScript describes the penalty box, the arguments and the batching.)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}. A refused call is not logged, so a
 * client that keeps retrying is admitted again as soon as old entries leave the window.
 */
export const slidingWindowLogScript = rateLimitScript(
  'rate_limit_sliding_window_log',
  `${LUA_NOW}
local from = now - window
local head = redis.pcall('LINDEX', key, 0)
if type(head) == 'table' then
  -- WRONGTYPE: a sorted set of an earlier version (score = time); the same entries, as a list
  local scores = redis.call('ZRANGEBYSCORE', key, '-inf', '+inf', 'WITHSCORES')
  local ttl = redis.call('PTTL', key)
  redis.call('DEL', key)
  for i = 2, #scores, 2 do redis.call('RPUSH', key, scores[i]) end
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  head = scores[2] or false
end
-- first: how many entries at the head have left the window (times <= now - window)
local n, first = nil, 0
if head and tonumber(head) <= from then
  n = redis.call('LLEN', key)
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if tonumber(redis.call('LINDEX', key, mid)) <= from then lo = mid + 1 else hi = mid end
  end
  first = lo
  if write then
    if first == n then redis.call('DEL', key) else redis.call('LTRIM', key, first, -1) end
    n, first = n - first, 0
  end
end
local count
if write then
  local at = string.format('%.3f', now)
  local total
  if cost == 1 then
    total = redis.call('RPUSH', key, at)
  else
    local units = {}
    for i = 1, cost do units[i] = at end
    total = redis.call('RPUSH', key, unpack(units))
  end
  count = total - cost
  if total <= limit then
    redis.call('PEXPIRE', key, math.ceil(window))
    return {1, limit - total, math.ceil(window), 0}
  end
  redis.call('RPOP', key, cost)
  if count == 0 then redis.call('DEL', key) end
else
  count = (n or (head and redis.call('LLEN', key) or 0)) - first
  if count + cost <= limit then return {1, limit - count - cost, math.ceil(window), 0} end
end
-- Refused: the call fits once the (count + cost - limit) oldest live entries have left the window.
local oldest = redis.call('LINDEX', key, first + count + cost - limit - 1)
local newest = redis.call('LINDEX', key, -1)
${luaRefuse('limit - count', 'tonumber(newest) + window - now', 'tonumber(oldest) + window - now')}
`,
);
