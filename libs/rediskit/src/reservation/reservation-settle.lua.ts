import { defineScript } from '../scripts/lua-script.js';
import { RESERVATION_PRELUDE } from './reservation.lua-prelude.js';

/**
 * Confirms or releases a hold, once: an active hold is settled now (confirmed: its units leave
 * stock for good; released: they are available again) and its outcome is remembered for
 * `keepOutcomes`; a settled hold answers its outcome again and changes nothing; a hold past its
 * expiry is expired now (its units come back) rather than confirmed.
 *
 * KEYS[1] stock (hash onHand, held)   KEYS[2] holds (hash)   KEYS[3] due times (sorted set)
 * ARGV[1] the hold's token
 * ARGV[2] 'c' to confirm, 'r' to release
 * ARGV[3] keepOutcomes in ms
 * ARGV[4] at most this many due holds reclaimed first
 * ARGV[5] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns { outcome: 'c' | 'r' | 'e' | 'u' (unknown), 1 when settled by this call else 0, holds expired }.
 */
export const reservationSettleScript = defineScript(
  'reservation_settle',
  3,
  RESERVATION_PRELUDE +
    `
local keep = tonumber(ARGV[3])
local expired = reclaim(keep, tonumber(ARGV[4]))
local token = ARGV[1]
local state = redis.call('HGET', KEYS[2], token)
if not state then return { 'u', 0, expired } end
local q = tonumber(state)
if not q then return { state, 0, expired } end
local due = tonumber(redis.call('ZSCORE', KEYS[3], token))
if due and due <= now then
  expire(token, q, keep)
  return { 'e', 0, expired + 1 }
end
local action = ARGV[2]
redis.call('HINCRBY', KEYS[1], 'held', -q)
if action == 'c' then
  local onHand = redis.call('HINCRBY', KEYS[1], 'onHand', -q)
  if onHand < 0 then redis.call('HSET', KEYS[1], 'onHand', 0) end
end
redis.call('HSET', KEYS[2], token, action)
redis.call('ZADD', KEYS[3], now + keep, token)
return { action, 1, expired }
`,
  { deadline: true },
);
