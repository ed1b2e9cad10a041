import { batchScript } from '../scripts/batch-script.js';
import { HANDOFF_PREFIX } from './lock-acquire.lua.js';

/**
 * The longest a released lock stays reserved for a waiter that does not come for it (its
 * process died or missed the notification); then anyone may take it again.
 */
export const HANDOFF_MAX_MS = 1000;

/**
 * Compare-and-delete that hands the lock to the first waiter: removes each lock only while the
 * caller still owns it (a holder whose lease expired can never delete the next holder's
 * lock). When live waiters are queued, the lock is not deleted but reserved for the first of
 * them (`handoff:<token>`, for as long as that waiter's entry lives, at most HANDOFF_MAX_MS) and its token is
 * published on the hand-off channel, which wakes it; stale entries (waiters that stopped
 * asking) are dropped on the way. A caller that does not own the lock leaves the queue, and
 * passes the reservation on if it was reserved for it.
 *
 * For each entry (KEYS from k = 1, 4, 7, ...; ARGV from j = 1, 3, 5, ...):
 * KEYS[k]    the lock key
 * KEYS[k+1]  the waiters' queue (sorted set token → arrival)
 * KEYS[k+2]  the waiters' deadlines (hash token → Redis ms)
 * ARGV[j]    the caller's token
 * ARGV[j+1]  the hand-off channel
 *
 * Returns one number per entry: 1 when the caller's lock was released, 0 when the key is gone
 * or has another owner.
 */
export const releaseLockScript = batchScript(
  'lock_release',
  `
local out = {}
local j = 1
for k = 1, #KEYS, 3 do
  local lock, queue, due = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local token, channel = ARGV[j], ARGV[j + 1]
  j = j + 2
  local value = redis.call('GET', lock)
  local mine = value == token
  if not mine then
    redis.call('ZREM', queue, token)
    redis.call('HDEL', due, token)
  end
  if mine or value == '${HANDOFF_PREFIX}' .. token then
    local next_owner, left
    local first = redis.call('ZRANGE', queue, 0, 0)
    if #first > 0 then
      local time = redis.call('TIME')
      local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
      while #first > 0 do
        local until_ms = tonumber(redis.call('HGET', due, first[1]))
        if until_ms and until_ms > now then
          next_owner, left = first[1], math.min(until_ms - now, ${HANDOFF_MAX_MS})
          break
        end
        redis.call('ZREM', queue, first[1])
        redis.call('HDEL', due, first[1])
        first = redis.call('ZRANGE', queue, 0, 0)
      end
    end
    if next_owner then
      redis.call('SET', lock, '${HANDOFF_PREFIX}' .. next_owner, 'PX', left)
      redis.call('PUBLISH', channel, next_owner)
    else
      redis.call('DEL', lock)
    end
  end
  out[#out + 1] = mine and 1 or 0
end
return out
`,
);
