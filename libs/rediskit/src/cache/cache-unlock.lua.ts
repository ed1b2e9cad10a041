import { defineScript } from '../scripts/lua-script.js';

/**
 * Releases the cache's stampede lock only when it still holds our token (a lock that expired
 * and was taken by another instance is left alone).
 *
 * KEYS[1]  the lock key
 * ARGV[1]  our token
 * Returns  1 when released, 0 otherwise.
 */
export const cacheUnlockScript = defineScript(
  'cache_unlock',
  1,
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`,
);
