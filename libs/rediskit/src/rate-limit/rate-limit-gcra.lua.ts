import { LUA_NOW, luaRefuse, rateLimitScript } from './rate-limit.lua-prelude.js';

/**
 * GCRA (generic cell rate algorithm): one unit is due every `window / limit` ms; the stored
 * theoretical arrival time (TAT) may run ahead of now by at most `capacity` units.
 *
 * key      the TAT in Redis-time ms; expires when it falls behind now (a missing TAT is "idle")
 * capacity the burst (rateLimitScript describes the penalty box, the arguments and the batching.)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}.
 */
export const gcraScript = rateLimitScript(
  'rate_limit_gcra',
  `${LUA_NOW}
local interval = window / limit
local horizon = interval * capacity
local tat = tonumber(redis.call('GET', key)) or now
if tat < now then tat = now end
local newTat = tat + interval * cost
-- 1 µs of slack absorbs float rounding at epoch-ms magnitudes
if newTat - horizon - now > 0.001 then
  ${luaRefuse('math.floor((horizon - (tat - now)) / interval + 1e-6)', 'tat - now', 'newTat - horizon - now')}
end
if write then redis.call('SET', key, newTat, 'PX', math.ceil(newTat - now)) end
tat = newTat
return {1, math.floor((horizon - (tat - now)) / interval + 1e-6), math.ceil(tat - now), 0}
`,
);
