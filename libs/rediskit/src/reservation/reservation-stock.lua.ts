import { defineScript } from '../scripts/lua-script.js';
import { RESERVATION_PRELUDE } from './reservation.lua-prelude.js';

/**
 * Sets or reads an item's stock, after reclaiming due holds (reading has that side effect,
 * hence a deadline too).
 *
 * KEYS[1] stock (hash onHand, held)   KEYS[2] holds (hash)   KEYS[3] due times (sorted set)
 * ARGV[1] '' to read; '=' to set `onHand` to ARGV[2]; '?' to set it only when it was never set
 * ARGV[2] units on hand, held units included (integer ≥ 0)
 * ARGV[3] keepOutcomes in ms
 * ARGV[4] at most this many due holds reclaimed first
 * ARGV[5] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns { 1 when written else 0, onHand, held, available, holds expired }.
 */
export const reservationStockScript = defineScript(
  'reservation_stock',
  3,
  RESERVATION_PRELUDE +
    `
local expired = reclaim(tonumber(ARGV[3]), tonumber(ARGV[4]))
local mode = ARGV[1]
local written = 0
if mode == '=' or (mode == '?' and not redis.call('HGET', KEYS[1], 'onHand')) then
  redis.call('HSET', KEYS[1], 'onHand', ARGV[2])
  written = 1
end
local onHand, held, available = level()
return { written, onHand, held, available, expired }
`,
  { deadline: true },
);
