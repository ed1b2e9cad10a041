import type { Duration } from '../options/duration.js';
import type { GeoUnit } from './geo.arguments.js';

/** Options of {@link GeoService.nearby}. */
export interface NearbyOptions {
  /** At most this many members, nearest first (at most `geo.maxResults`). @default 100, or `geo.maxResults` when lower */
  limit?: number;
  /** The unit of `radius` and of the distances returned. @default `'km'` */
  unit?: GeoUnit;
}

/** Options of one collection (`GeoService.collection`). */
export interface GeoCollectionOptions {
  /** A member not updated for this long is dropped. @default `geo.ttl` */
  ttl?: Duration;
}

/**
 * A member found by `nearby`.
 *
 * @example
 * const [first] = await geo.nearby(52.52, 13.405, 2);   // { id: 'driver-7', distance: 0.41, lat, lng, seenAt, meta }
 */
export interface GeoMember<M = unknown> {
  id: string;
  /** Distance from the point asked about, in the call's unit (4 decimals). */
  distance: number;
  /** The stored position (Redis keeps it to about 0.6 mm; the values differ from the ones sent in the last decimals). */
  lat: number;
  lng: number;
  /** When the member was last updated, in ms since the epoch by Redis' clock. */
  seenAt: number;
  /** The meta of its last update that carried one; absent when none (or it could not be decoded). */
  meta?: M;
}
