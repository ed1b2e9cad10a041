import { batchScript, type BatchScript } from '../scripts/batch-script.js';

/** ARGV values per decision of a batch: limit, window ms, ±cost, capacity, block ms. */
const RATE_LIMIT_ARGS = 5;
/** Values per decision in a script's reply: allowed, remaining, resetMs, retryAfterMs. */
export const RATE_LIMIT_REPLY = 4;

/**
 * Builds an algorithm's script from the body of its `decide` function. One script call holds
 * the decisions its callers made in the same tick (see ScriptBatcher); each is decided on its
 * own, in order, and the whole call is atomic.
 *
 * Per decision:
 * KEYS     the algorithm's state, then (only when block ms > 0) the penalty-box marker, in the
 *          same slot: `key` and `blockKey` in the body
 * ARGV     limit, window ms, cost (negative to peek: answer what consume would, writing nothing),
 *          capacity (burst), block ms; after every decision's ARGV, the deadline (Redis ms):
 *          run later, the script changes nothing (see scripts/deadline.ts)
 *
 * The body sees `key`, `blockKey`, `limit`, `window`, `cost` (positive), `write`, `capacity`
 * and `blockMs`, and returns {allowed, remaining, resetMs[, retryAfterMs]}. It reads Redis'
 * clock with {@link LUA_NOW} (ms with µs precision, read once per call), so every app instance
 * decides on the same time whatever its own clock says.
 */
export function rateLimitScript(name: string, body: string): BatchScript {
  return batchScript(
    name,
    `
local call_now = tonumber(deadline_time[1]) * 1000 + tonumber(deadline_time[2]) / 1000
local function decide(key, blockKey, limit, window, cost, capacity, blockMs)
  local write = cost > 0
  if not write then cost = -cost end
  if blockMs > 0 then
    local blocked = redis.call('PTTL', blockKey)
    if blocked > 0 then return {0, 0, blocked, blocked} end
  end
${body.trim().replace(/^/gm, '  ')}
end
local out, k = {}, 1
for i = 1, #ARGV - 1, ${RATE_LIMIT_ARGS} do
  local blockMs = tonumber(ARGV[i + 4])
  local r = decide(KEYS[k], KEYS[k + 1], tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), blockMs)
  k = k + (blockMs > 0 and 2 or 1)
  local n = #out
  out[n + 1], out[n + 2], out[n + 3], out[n + 4] = r[1], r[2], r[3], r[4] or 0
end
return out
`,
    { deadline: true },
  );
}

/**
 * The Lua that refuses a call: with a penalty box, opens it (consume only: a peek answers
 * what the consume would, without opening it), else returns the refusal.
 */
export function luaRefuse(remaining: string, resetMs: string, retryMs: string): string {
  return `do
  if blockMs > 0 then
    if write then redis.call('SET', blockKey, '1', 'PX', blockMs) end
    return {0, 0, math.max(math.ceil(${resetMs}), blockMs), blockMs}
  end
  return {0, ${remaining}, math.ceil(${resetMs}), math.ceil(${retryMs})}
end`;
}

/**
 * Redis' clock in ms (µs precision), as `now`: the reading the deadline prologue took. Every
 * decision of one call sees the same time (the call is atomic), and TIME runs once per call
 * instead of once per decision.
 */
export const LUA_NOW = `
local now = call_now
`;
