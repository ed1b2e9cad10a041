import type { Duration } from '../options/duration.js';

/** Options of {@link ReservationService.reserve}. */
export interface ReserveOptions {
  /** How long the hold lasts unless confirmed or released. @default `reservation.holdTtl` */
  holdTtl?: Duration;
}

/** Options of {@link ReservationService.setStock}. */
export interface SetStockOptions {
  /** Set it only when the item's stock was never set (seeding from a database). @default false */
  ifMissing?: boolean;
}

/**
 * Units held for one buyer until confirmed, released or expired.
 *
 * @example
 * const hold = await reservations.reserve('seat:12A', 1, { holdTtl: '5m' });
 * if (hold) await reservations.confirm(hold.id);
 */
export interface Hold {
  /** Pass it to `confirm` or `release` (from any instance). Unguessable: treat it as a secret of its buyer. */
  id: string;
  item: string;
  quantity: number;
  /** When the hold expires unless confirmed or released, in ms since the epoch by Redis' clock. */
  expiresAt: number;
  /** Units of the item still available right after this hold. */
  available: number;
}

/**
 * What became of a hold: `confirmed` (its units left stock for good), `released` (given back),
 * `expired` (not settled in time: given back), `unknown` (no such hold, or its outcome was
 * forgotten after `reservation.keepOutcomes`).
 */
export type HoldOutcome = 'confirmed' | 'released' | 'expired' | 'unknown';

/** An item's stock: units on hand (held ones included), held, and available to reserve. */
export interface StockLevel {
  onHand: number;
  held: number;
  available: number;
}
