import { LUA_NOW, LUA_PRELUDE, luaRefuse, rateLimitScripts } from './rate-limit.lua-prelude.js';

/**
 * Fixed window: one counter per window, windows aligned to Redis time (`now - now % window`).
 *
 * KEYS[1]  the window's counter; expires at the window's end (PEXPIREAT on Redis' clock), so
 *          it exists exactly while its window lasts
 * KEYS[2]  penalty-box marker (only with a blockDuration)
 * ARGV     limit, window ms, ±cost [, capacity (unused) [, block ms]] (see LUA_PRELUDE)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}. An admitted call is INCRBY + PTTL;
 * Redis' clock is read only when a window starts; a refused call takes its units back, so it
 * counts nothing. A call in the few µs between a window's end and its key's expiry counts in
 * the ending window.
 */
export const fixedWindowScripts = rateLimitScripts(
  'rl_fixed_window',
  `${LUA_PRELUDE}
if not write then
  local count = tonumber(redis.call('GET', KEYS[1]) or 0)
  if count == 0 then return {1, limit, 0} end
  local left = redis.call('PTTL', KEYS[1])
  if count + cost > limit then return {0, limit - count, left, left} end
  return {1, limit - count, left}
end
local count = redis.call('INCRBY', KEYS[1], cost)
if count == cost then
  -- the first units of a window (a counter never rests at 0)
  ${LUA_NOW.trim().split('\n').join('\n  ')}
  local nowMs = math.floor(now)
  local windowEnd = nowMs - nowMs % window + window
  redis.call('PEXPIREAT', KEYS[1], windowEnd)
  return {1, limit - cost, math.ceil(windowEnd - now)}
end
local left = redis.call('PTTL', KEYS[1])
if count > limit then
  redis.call('DECRBY', KEYS[1], cost)
  ${luaRefuse('limit - count + cost', 'left', 'left')}
end
return {1, limit - count, left}
`,
);
