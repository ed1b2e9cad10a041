import { defineScript } from '../scripts/lua-script.js';
import { GEO_PRELUDE } from './geo.lua-prelude.js';

/**
 * Records a member's position, when it was seen (Redis time) and, if given, its meta; drops
 * members not seen within the TTL; and lets the whole collection expire one TTL after its
 * last update, so an abandoned collection leaves nothing behind.
 *
 * KEYS[1] positions (GEO set)   KEYS[2] last seen (sorted set, ms)   KEYS[3] meta (hash)
 * ARGV[1] member id
 * ARGV[2] longitude   ARGV[3] latitude
 * ARGV[4] TTL in ms
 * ARGV[5] meta: '' keeps the member's meta, '-' removes it, '=' stores ARGV[6]
 * ARGV[6] the encoded meta (with '=')
 * ARGV[7] at most this many stale members dropped
 * ARGV[8] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns { members in the collection, members dropped as stale }.
 */
export const geoUpdateScript = defineScript(
  'geo_update',
  3,
  GEO_PRELUDE +
    `
local ttl = tonumber(ARGV[4])
local dropped = prune(now - ttl, tonumber(ARGV[7]))
redis.call('GEOADD', KEYS[1], ARGV[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[1])
if ARGV[5] == '=' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[6])
elseif ARGV[5] == '-' then
  redis.call('HDEL', KEYS[3], ARGV[1])
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return { redis.call('ZCARD', KEYS[2]), dropped }
`,
  { deadline: true },
);
