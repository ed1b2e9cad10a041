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
 * ARGV[#ARGV]  deadline (Redis ms), after the entries: run later, the script changes nothing
 *
 * Returns one number per entry: the new fencing token (≥ 1) when the lock was taken,
 * otherwise minus the holder's remaining lease in ms (0 when the key has no expiry).
 *
 * A missing fence counter (never used, or lost: a restart without persistence, a failover to
 * a replica that had not received it) starts from Redis' clock in microseconds, so tokens stay
 * above every token issued before as long as fewer than a million were issued per second on
 * average and the clock moves forward.
 */
export const acquireLockScript = batchScript(
  'lock_acquire',
  `
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call('SET', KEYS[i], ARGV[i], 'NX', 'PX', ARGV[i + 1]) then
    local token = redis.call('INCR', KEYS[i + 1])
    if token == 1 then
      token = redis.call('INCRBY', KEYS[i + 1], deadline_time[1] .. string.format('%06d', tonumber(deadline_time[2])))
    end
    out[#out + 1] = token
  else
    local pttl = redis.call('PTTL', KEYS[i])
    if pttl < 0 then pttl = 0 end
    out[#out + 1] = -pttl
  end
end
return out
`,
  { deadline: true },
);
