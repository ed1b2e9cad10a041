import { LUA_NOW, luaRefuse, rateLimitScript } from './rate-limit.lua-prelude.js';

/**
 * Fixed window: one counter per window, windows aligned to Redis time (`now - now % window`).
 *
 * key      the window's counter; expires at the window's end (PEXPIREAT on Redis' clock), so
 *          it exists exactly while its window lasts
 * (rateLimitScript describes the penalty box, the arguments and the batching.)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}. An admitted call is INCRBY + PTTL;
 * Redis' clock is read only when a window starts; a refused call takes its units back, so it
 * counts nothing. A call in the few µs between a window's end and its key's expiry counts in
 * the ending window.
 */
export const fixedWindowScript = rateLimitScript(
  'rate_limit_fixed_window',
  `
if not write then
  -- what the consume below would answer, without writing
  local count = tonumber(redis.call('GET', key) or 0)
  if count == 0 then
    ${LUA_NOW.trim().split('\n').join('\n    ')}
    local nowMs = math.floor(now)
    return {1, limit - cost, math.ceil(nowMs - nowMs % window + window - now)}
  end
  local left = redis.call('PTTL', key)
  if count + cost > limit then
    ${luaRefuse('limit - count', 'left', 'left')}
  end
  return {1, limit - count - cost, left}
end
local count = redis.call('INCRBY', key, cost)
if count == cost then
  -- the first units of a window (a counter never rests at 0)
  ${LUA_NOW.trim().split('\n').join('\n  ')}
  local nowMs = math.floor(now)
  local windowEnd = nowMs - nowMs % window + window
  redis.call('PEXPIREAT', key, windowEnd)
  return {1, limit - cost, math.ceil(windowEnd - now)}
end
local left = redis.call('PTTL', key)
if count > limit then
  redis.call('DECRBY', key, cost)
  ${luaRefuse('limit - count + cost', 'left', 'left')}
end
return {1, limit - count, left}
`,
);
