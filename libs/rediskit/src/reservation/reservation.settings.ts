import { resolveCommandSettings, type CommandSettings } from '../options/command-settings.js';
import { toPositiveMs } from '../options/duration.js';
import type { ReservationOptions } from './reservation.options.js';

/** What the `reservation` options default to (their `@default` tags say the same), and internal limits. */
export const RESERVATION_DEFAULTS = {
  holdTtl: 10 * 60_000,
  keepOutcomes: 24 * 3600_000,
  /** Due holds handled per call at most, so one call never holds Redis for long. */
  reclaimBatch: 1000,
} as const;

/** The `reservation` options with every default applied, durations in ms. */
export interface ReservationSettings extends CommandSettings {
  holdTtl: number;
  keepOutcomes: number;
}

/** Applies the defaults of {@link ReservationOptions}. */
export function resolveReservationSettings(options: ReservationOptions = {}): ReservationSettings {
  return {
    ...resolveCommandSettings(options, 'reservation'),
    holdTtl: toPositiveMs(options.holdTtl ?? RESERVATION_DEFAULTS.holdTtl, 'reservation.holdTtl'),
    keepOutcomes: toPositiveMs(options.keepOutcomes ?? RESERVATION_DEFAULTS.keepOutcomes, 'reservation.keepOutcomes'),
  };
}
