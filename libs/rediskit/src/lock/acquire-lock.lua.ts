import { batchScript } from '../scripts/batch-script.js';

/**
 * Takes locks and issues their fencing tokens in one round trip; a batch holds the lock
 * requests made by many callers in the same tick, each handled on its own.
 *
 * For each entry i (i = 1, 3, 5, ...):
 * KEYS[i]    the lock key; its value is the owner's random token
 * KEYS[i+1]  the resource's fence counter (same slot; never expires, so tokens never go back)
 * ARGV[i]    the owner's token
 * ARGV[i+1]  the lease in milliseconds
 *
 * Returns one number per entry: the new fencing token (≥ 1) when the lock was taken,
 * otherwise minus the holder's remaining lease in ms (0 when the key has no expiry).
 */
export const acquireLockScript = batchScript(
  'lock_acquire',
  `
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call('SET', KEYS[i], ARGV[i], 'NX', 'PX', ARGV[i + 1]) then
    out[#out + 1] = redis.call('INCR', KEYS[i + 1])
  else
    local pttl = redis.call('PTTL', KEYS[i])
    if pttl < 0 then pttl = 0 end
    out[#out + 1] = -pttl
  end
end
return out
`,
);
