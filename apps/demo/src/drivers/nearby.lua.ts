import { defineScript } from 'nestjs-rediskit';

/**
 * Drivers within a radius, nearest first, leaving out those not seen recently.
 * KEYS[1] geo set of positions      KEYS[2] sorted set: driver -> last seen (ms, Redis TIME)
 * ARGV[1] longitude  ARGV[2] latitude  ARGV[3] radius (km)  ARGV[4] stale after (ms)  ARGV[5] max results
 * Returns { {id, distanceKm, {lng, lat}}, ... } as GEOSEARCH WITHDIST WITHCOORD does.
 */
export const nearbyScript = defineScript(
  'demo_drivers_nearby',
  2,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]), 'LIMIT', 0, 100)
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
return redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', ARGV[3], 'km',
  'ASC', 'COUNT', tonumber(ARGV[5]), 'WITHCOORD', 'WITHDIST')
`,
);
