import { defineScript } from 'nestjs-rediskit';

/**
 * Records a driver's position and when it was seen, and forgets drivers not seen for a while.
 * KEYS[1] geo set of positions      KEYS[2] sorted set: driver -> last seen (ms, Redis TIME)
 * ARGV[1] driver id  ARGV[2] longitude  ARGV[3] latitude  ARGV[4] stale after (ms)
 * Returns the number of drivers still known.
 */
export const updateLocationScript = defineScript(
  'demo_driver_update',
  2,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('GEOADD', KEYS[1], ARGV[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]), 'LIMIT', 0, 100)
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
return redis.call('ZCARD', KEYS[2])
`,
);
