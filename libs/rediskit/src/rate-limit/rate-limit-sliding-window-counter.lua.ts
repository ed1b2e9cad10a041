import { LUA_NOW, luaRefuse, rateLimitScript } from './rate-limit.lua-prelude.js';

/**
 * Sliding window counter: the current window's count plus the previous window's count weighted
 * by how much of it still overlaps the sliding window. Approximate, constant memory.
 *
 * key      hash { w: current window start ms, c: its count, p: the previous window's count }
 * (rateLimitScript describes the penalty box, the arguments and the batching.)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}.
 */
export const slidingWindowCounterScript = rateLimitScript(
  'rate_limit_sliding_window_counter',
  `${LUA_NOW}
local nowMs = math.floor(now)
local start = nowMs - nowMs % window
local state = redis.call('HMGET', key, 'w', 'c', 'p')
local stored = tonumber(state[1])
local curr, prev = 0, 0
if stored == start then
  curr = tonumber(state[2])
  prev = tonumber(state[3]) or 0
elseif stored == start - window then
  prev = tonumber(state[2])
end
local elapsed = now - start
local used = prev * (window - elapsed) / window + curr
if used + cost > limit + 1e-9 then
  local retry
  if curr + cost <= limit then
    -- the previous window's share decays enough within this window
    retry = window * (1 - (limit - cost - curr) / prev) - elapsed
  else
    -- wait into the next window until this window's share has decayed enough
    retry = window - elapsed + window * (1 - (limit - cost) / curr)
  end
  local full = (curr > 0) and (2 * window - elapsed) or (window - elapsed)
  ${luaRefuse('math.max(0, math.floor(limit - used + 1e-9))', 'full', 'retry')}
end
if write then
  if stored == start then
    redis.call('HINCRBY', key, 'c', cost)
  else
    redis.call('HSET', key, 'w', start, 'c', cost, 'p', prev)
    redis.call('PEXPIREAT', key, start + 2 * window)
  end
end
curr = curr + cost
used = used + cost
local reset = 0
if curr > 0 then reset = 2 * window - elapsed elseif prev > 0 then reset = window - elapsed end
return {1, math.max(0, math.floor(limit - used + 1e-9)), math.ceil(reset), 0}
`,
);
