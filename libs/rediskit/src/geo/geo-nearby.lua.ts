import { defineScript } from '../scripts/lua-script.js';
import { GEO_PRELUDE } from './geo.lua-prelude.js';

/**
 * Members within a radius of a point, nearest first, with their distance, position, last
 * seen time and meta. Drops stale members first; members it had no room to drop are left out
 * of the answer anyway, so a member older than the TTL is never returned.
 *
 * KEYS[1] positions (GEO set)   KEYS[2] last seen (sorted set, ms)   KEYS[3] meta (hash)
 * ARGV[1] longitude   ARGV[2] latitude   ARGV[3] radius   ARGV[4] unit (m, km, mi, ft)
 * ARGV[5] at most this many members
 * ARGV[6] TTL in ms
 * ARGV[7] at most this many stale members dropped
 * ARGV[8] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns { members dropped as stale, then per member: id, distance, longitude, latitude,
 * last seen (ms), meta or nil }.
 */
export const geoNearbyScript = defineScript(
  'geo_nearby',
  3,
  GEO_PRELUDE +
    `
local cutoff = now - tonumber(ARGV[6])
local out = { prune(cutoff, tonumber(ARGV[7])) }
local rows = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', ARGV[3], ARGV[4],
  'ASC', 'COUNT', tonumber(ARGV[5]), 'WITHCOORD', 'WITHDIST')
for _, row in ipairs(rows) do
  local seen = redis.call('ZSCORE', KEYS[2], row[1])
  if seen and tonumber(seen) > cutoff then
    out[#out + 1] = row[1]
    out[#out + 1] = row[2]
    out[#out + 1] = row[3][1]
    out[#out + 1] = row[3][2]
    out[#out + 1] = seen
    out[#out + 1] = redis.call('HGET', KEYS[3], row[1])
  end
end
return out
`,
  { deadline: true },
);
