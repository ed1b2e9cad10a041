import { defineScript } from '../scripts/lua-script.js';
import { GEO_PRELUDE } from './geo.lua-prelude.js';

/**
 * Removes a member (position, last seen, meta) and drops stale members.
 *
 * KEYS[1] positions (GEO set)   KEYS[2] last seen (sorted set, ms)   KEYS[3] meta (hash)
 * ARGV[1] member id
 * ARGV[2] TTL in ms
 * ARGV[3] at most this many stale members dropped
 * ARGV[4] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns { 1 when the member was there (and not stale) else 0, members dropped as stale }.
 */
export const geoRemoveScript = defineScript(
  'geo_remove',
  3,
  GEO_PRELUDE +
    `
local dropped = prune(now - tonumber(ARGV[2]), tonumber(ARGV[3]))
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return { removed, dropped }
`,
  { deadline: true },
);
