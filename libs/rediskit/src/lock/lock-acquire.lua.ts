import { batchScript } from '../scripts/batch-script.js';

/** The lock value while a released lock waits for its next queued owner: this prefix + their token. */
export const HANDOFF_PREFIX = 'handoff:';

/**
 * Takes locks and issues their fencing tokens in one round trip; a batch holds the lock
 * requests made by many callers in the same tick, each handled on its own.
 *
 * For each entry (KEYS from i = 1, 5, 9, ...; ARGV from j = 1, 5, 9, ...):
 * KEYS[i]    the lock key; its value is the owner's random token, or `handoff:<token>` while a
 *            released lock is reserved for the first waiter of the queue
 * KEYS[i+1]  the resource's fence counter (same slot; never expires, so tokens never go back)
 * KEYS[i+2]  the waiters' queue: token → arrival time (µs), a sorted set (first come, first served)
 * KEYS[i+3]  the waiters' deadlines: token → Redis ms after which the entry is stale (a hash)
 * ARGV[j]    the owner's token
 * ARGV[j+1]  the lease in milliseconds
 * ARGV[j+2]  queue for: > 0 joins (or stays in) the queue until that many ms from now if the
 *            lock is held; 0 does not queue
 * ARGV[j+3]  '1' when this caller may already be queued (it tried before): its entry is
 *            removed when it takes the lock or stops queueing
 * ARGV[#ARGV]  deadline (Redis ms), after the entries: run later, the script changes nothing
 *
 * Returns one number per entry: the new fencing token (≥ 1) when the lock was taken,
 * otherwise minus the holder's remaining lease in ms (0 when the key has no expiry). A first
 * try that finds the lock free never reads the queue: the uncontended path stays SET + INCR.
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
local j = 1
for i = 1, #KEYS, 4 do
  local lock, fence, queue, due = KEYS[i], KEYS[i + 1], KEYS[i + 2], KEYS[i + 3]
  local token, ttl, queue_ms, queued = ARGV[j], ARGV[j + 1], tonumber(ARGV[j + 2]), ARGV[j + 3] == '1'
  j = j + 4
  local taken = redis.call('SET', lock, token, 'NX', 'PX', ttl)
  if not taken and queued and redis.call('GET', lock) == '${HANDOFF_PREFIX}' .. token then
    taken = redis.call('SET', lock, token, 'XX', 'PX', ttl)
  end
  if taken then
    local fencing = redis.call('INCR', fence)
    if fencing == 1 then
      fencing = redis.call('INCRBY', fence, deadline_time[1] .. string.format('%06d', tonumber(deadline_time[2])))
    end
    if queued then
      redis.call('ZREM', queue, token)
      redis.call('HDEL', due, token)
    end
    out[#out + 1] = fencing
  else
    if queue_ms > 0 then
      redis.call('ZADD', queue, 'NX', deadline_time[1] .. string.format('%06d', tonumber(deadline_time[2])), token)
      redis.call('HSET', due, token, now + queue_ms)
      if redis.call('PTTL', queue) < queue_ms then
        redis.call('PEXPIRE', queue, queue_ms)
        redis.call('PEXPIRE', due, queue_ms)
      end
    elseif queued then
      redis.call('ZREM', queue, token)
      redis.call('HDEL', due, token)
    end
    local pttl = redis.call('PTTL', lock)
    if pttl < 0 then pttl = 0 end
    out[#out + 1] = -pttl
  end
end
return out
`,
  { deadline: true },
);
