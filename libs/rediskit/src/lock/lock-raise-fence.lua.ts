import { batchScript } from '../scripts/batch-script.js';

/**
 * Redlock's second step: writes the fencing token the quorum agreed on (the highest counter
 * among the servers that granted the lock) into this server's counter, while we still own the
 * lock here. Any later majority overlaps ours in at least one server whose counter is then at
 * least our token, so the next holder's token is higher.
 *
 * For each entry i (i = 1, 3, 5, ...):
 * KEYS[i]    the lock key
 * KEYS[i+1]  the fence counter (same slot)
 * ARGV[i]    the owner's token
 * ARGV[i+1]  the agreed fencing token
 *
 * Returns one number per entry: 1 when we still own the lock here (counter raised if it was
 * lower), else 0.
 */
export const raiseFenceScript = batchScript(
  'lock_raise_fence',
  `
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call('GET', KEYS[i]) == ARGV[i] then
    local current = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
    if current < tonumber(ARGV[i + 1]) then redis.call('SET', KEYS[i + 1], ARGV[i + 1]) end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`,
);
