import { resolveCommandSettings, type CommandSettings } from '../options/command-settings.js';
import { toPositiveMs } from '../options/duration.js';
import type { GeoOptions } from './geo.options.js';

/** What the `geo` options default to (their `@default` tags say the same), and internal limits. */
export const GEO_DEFAULTS = {
  ttl: 5 * 60_000,
  maxResults: 1000,
  /** `nearby` without `limit`: this many, or `maxResults` when that is lower. */
  limit: 100,
  maxMetaSize: 4096,
  /** Stale members dropped per call at most, so one call never holds Redis for long. */
  pruneBatch: 1000,
} as const;

/** The `geo` options with every default applied, durations in ms. */
export interface GeoSettings extends CommandSettings {
  ttl: number;
  maxResults: number;
  maxMetaSize: number;
}

/** Applies the defaults of {@link GeoOptions}. */
export function resolveGeoSettings(options: GeoOptions = {}): GeoSettings {
  return {
    ...resolveCommandSettings(options, 'geo'),
    ttl: toPositiveMs(options.ttl ?? GEO_DEFAULTS.ttl, 'geo.ttl'),
    maxResults: options.maxResults ?? GEO_DEFAULTS.maxResults,
    maxMetaSize: options.maxMetaSize ?? GEO_DEFAULTS.maxMetaSize,
  };
}
