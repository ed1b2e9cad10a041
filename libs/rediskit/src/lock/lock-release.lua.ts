import { batchScript } from '../scripts/batch-script.js';

/**
 * Compare-and-delete: removes each lock only while the caller still owns it, so a holder
 * whose lease expired can never delete the next holder's lock.
 *
 * For each entry k (k = 1, 2, ...):
 * KEYS[k]  the lock key
 * ARGV[k]  the owner's token
 *
 * Returns one number per entry: 1 when deleted, 0 when the key is gone or has another owner.
 */
export const releaseLockScript = batchScript(
  'lock_release',
  `
local out = {}
for k = 1, #KEYS do
  if redis.call('GET', KEYS[k]) == ARGV[k] then
    out[k] = redis.call('DEL', KEYS[k])
  else
    out[k] = 0
  end
end
return out
`,
);
