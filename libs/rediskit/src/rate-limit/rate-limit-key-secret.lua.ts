import { defineScript } from '../scripts/lua-script.js';

/**
 * Installs the shared secret of the partition hash unless one is there, and returns the one
 * that is: every instance ends up with the same secret, whichever asked first.
 *
 * KEYS[1]  the secret (no expiry)
 * ARGV[1]  this instance's candidate (a fresh random value, or the secret it already holds, so
 *          a secret lost with a flushed Redis comes back as it was)
 *
 * Returns the stored secret.
 */
export const keySecretScript = defineScript(
  'rate_limit_key_secret',
  1,
  `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`,
);
