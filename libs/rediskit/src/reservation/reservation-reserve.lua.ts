import { defineScript } from '../scripts/lua-script.js';
import { RESERVATION_PRELUDE } from './reservation.lua-prelude.js';

/**
 * Holds `quantity` units of an item if that many are available (on hand minus held), never
 * going below zero: the check and the hold are one script, so concurrent reservations from any
 * number of instances cannot oversell.
 *
 * KEYS[1] stock (hash onHand, held)   KEYS[2] holds (hash)   KEYS[3] due times (sorted set)
 * ARGV[1] the new hold's token
 * ARGV[2] quantity (integer ≥ 1)
 * ARGV[3] hold TTL in ms
 * ARGV[4] keepOutcomes in ms
 * ARGV[5] at most this many due holds reclaimed first
 * ARGV[6] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns { 1, units available after the hold, the hold's expiry (Redis ms), holds expired }
 * or { 0, units available, 0, holds expired } when fewer than `quantity` are available.
 */
export const reservationReserveScript = defineScript(
  'reservation_reserve',
  3,
  RESERVATION_PRELUDE +
    `
local keep = tonumber(ARGV[4])
local expired = reclaim(keep, tonumber(ARGV[5]))
local q = tonumber(ARGV[2])
local _, _, available = level()
if available < q then return { 0, available, 0, expired } end
local expiresAt = now + tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[1], 'held', q)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], expiresAt, ARGV[1])
return { 1, available - q, expiresAt, expired }
`,
  { deadline: true },
);
