import { LUA_NOW, luaRefuse, rateLimitScript } from './rate-limit.lua-prelude.js';

/**
 * Token bucket: `capacity` tokens, refilled continuously at `limit / window` per ms.
 *
 * key      hash { t: tokens left, ts: Redis time of that count }; expires when the bucket
 *          would be full again (a missing bucket is a full one)
 * capacity the burst (rateLimitScript describes the penalty box, the arguments and the batching.)
 *
 * Returns {allowed 0|1, remaining, resetMs, retryAfterMs}.
 */
export const tokenBucketScript = rateLimitScript(
  'rate_limit_token_bucket',
  `${LUA_NOW}
local rate = limit / window
local state = redis.call('HMGET', key, 't', 'ts')
local tokens = capacity
if state[1] then
  tokens = math.min(capacity, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
end
if tokens + 1e-9 < cost then
  ${luaRefuse('math.floor(tokens + 1e-9)', '(capacity - tokens) / rate', '(cost - tokens) / rate')}
end
tokens = tokens - cost
if write then
  redis.call('HSET', key, 't', tokens, 'ts', now)
  redis.call('PEXPIRE', key, math.ceil((capacity - tokens) / rate))
end
return {1, math.floor(tokens + 1e-9), math.ceil((capacity - tokens) / rate), 0}
`,
);
