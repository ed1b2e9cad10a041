import { batchScript } from '../scripts/batch-script.js';

/**
 * Compare-and-pexpire: renews each lease only while the caller still owns the lock.
 *
 * For each entry k (k = 1, 2, ...):
 * KEYS[k]        the lock key
 * ARGV[2k - 1]   the owner's token
 * ARGV[2k]       the new lease in milliseconds (counted from now, on the Redis clock)
 * ARGV[#ARGV]    deadline (Redis ms), after the entries: run later, the script changes nothing
 *
 * Returns one number per entry: 1 when renewed, 0 when the key is gone or has another owner.
 */
export const extendLockScript = batchScript(
  'lock_extend',
  `
local out = {}
for k = 1, #KEYS do
  if redis.call('GET', KEYS[k]) == ARGV[2 * k - 1] then
    out[k] = redis.call('PEXPIRE', KEYS[k], ARGV[2 * k])
  else
    out[k] = 0
  end
end
return out
`,
  { deadline: true },
);
