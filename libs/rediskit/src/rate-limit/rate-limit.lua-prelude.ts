import { defineScript, type LuaScript } from '../scripts/lua-script.js';

/**
 * The opening every rate-limit script shares (pasted into each script's source; Redis sees one
 * self-contained script per algorithm).
 *
 * KEYS[1]  the algorithm's state
 * KEYS[2]  the penalty-box marker (same slot), passed only when the policy has a blockDuration
 * ARGV[1]  limit
 * ARGV[2]  window ms
 * ARGV[3]  cost; negative to peek (decide without writing anything)
 * ARGV[4]  capacity (burst; optional, default limit)
 * ARGV[5]  block ms (optional; only with KEYS[2])
 *
 * Trailing arguments are left out when they hold their default, so the common call is three
 * arguments and one key. A script reads Redis' clock with {@link LUA_NOW} (ms with µs
 * precision), so every app instance decides on the same time whatever its own clock says.
 * A script returns {allowed, remaining, resetMs, retryAfterMs}; an admitted call may leave out
 * retryAfterMs (0).
 */
export const LUA_PRELUDE = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local write = cost > 0
if not write then cost = -cost end
local capacity = tonumber(ARGV[4]) or limit
local blockMs = tonumber(ARGV[5]) or 0
if blockMs > 0 then
  local blocked = redis.call('PTTL', KEYS[2])
  if blocked > 0 then return {0, 0, blocked, blocked} end
end
`;

/**
 * The Lua that refuses a call: opens the penalty box when the policy has one (consume only),
 * else returns the refusal. Inlined rather than a Lua function, which would be a closure
 * allocated by every run of the script, refused or not.
 */
export function luaRefuse(remaining: string, resetMs: string, retryMs: string): string {
  return `do
  if write and blockMs > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', blockMs)
    return {0, 0, math.max(math.ceil(${resetMs}), blockMs), blockMs}
  end
  return {0, ${remaining}, math.ceil(${resetMs}), math.ceil(${retryMs})}
end`;
}

/** One algorithm's script, declared with one key (no penalty box) and with two. */
export interface RateLimitScripts {
  readonly plain: LuaScript;
  readonly withBlock: LuaScript;
}

/** Declares an algorithm's script twice: same source (one SHA in Redis), 1 or 2 keys. */
export function rateLimitScripts(name: string, lua: string): RateLimitScripts {
  return Object.freeze({ plain: defineScript(name, 1, lua), withBlock: defineScript(`${name}_block`, 2, lua) });
}

/** Redis' clock in ms (µs precision), as `now`. */
export const LUA_NOW = `
local clock = redis.call('TIME')
local now = clock[1] * 1000 + clock[2] / 1000
`;
