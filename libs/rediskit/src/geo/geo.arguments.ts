import { RediskitArgumentError } from '../errors.js';
import { assertWellFormed } from '../keyspace/keyspace.js';

/** The units `nearby` measures in, as Redis' GEOSEARCH names them. */
export type GeoUnit = 'm' | 'km' | 'mi' | 'ft';
export const GEO_UNITS: readonly GeoUnit[] = ['m', 'km', 'mi', 'ft'];

/**
 * Redis stores positions as 52-bit geohashes of the Web Mercator square, so latitudes are
 * limited to ±85.05112878° (GEOADD refuses the poles); longitudes cover ±180°.
 */
export const MAX_LATITUDE = 85.05112878;
export const MAX_LONGITUDE = 180;

/** Half the Earth's circumference in metres: a larger radius covers nothing more. */
const MAX_RADIUS_M = 20_037_509;
const METRES_PER: Record<GeoUnit, number> = { m: 1, km: 1000, mi: 1609.344, ft: 0.3048 };

/** The longest member id, in UTF-16 code units. */
export const MAX_MEMBER_ID_LENGTH = 512;

/** Throws unless `lat` and `lng` are finite numbers within the ranges Redis GEO accepts. */
export function checkCoordinates(lat: unknown, lng: unknown): void {
  if (typeof lat !== 'number' || !Number.isFinite(lat) || Math.abs(lat) > MAX_LATITUDE) {
    throw new RediskitArgumentError('lat', `must be a finite number from -${MAX_LATITUDE} to ${MAX_LATITUDE}, got ${describe(lat)}`);
  }
  if (typeof lng !== 'number' || !Number.isFinite(lng) || Math.abs(lng) > MAX_LONGITUDE) {
    throw new RediskitArgumentError('lng', `must be a finite number from -${MAX_LONGITUDE} to ${MAX_LONGITUDE}, got ${describe(lng)}`);
  }
}

/**
 * Throws unless `id` is a non-empty, well-formed string of at most {@link MAX_MEMBER_ID_LENGTH}
 * units. Ids are members of Redis sets, not key parts: any character is allowed, but a lone
 * surrogate would become U+FFFD in Redis and make two ids one.
 */
export function checkMemberId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_MEMBER_ID_LENGTH) {
    throw new RediskitArgumentError('id', `must be a string of 1 to ${MAX_MEMBER_ID_LENGTH} characters, got ${describe(id)}`);
  }
  assertWellFormed(id, 'id');
}

/** The radius, checked: a finite number above 0 and at most half the Earth's circumference. */
export function checkRadius(radius: unknown, unit: GeoUnit): number {
  const max = MAX_RADIUS_M / METRES_PER[unit];
  if (typeof radius !== 'number' || !Number.isFinite(radius) || radius <= 0 || radius > max) {
    throw new RediskitArgumentError('radius', `must be a number above 0 and at most ${Math.floor(max)} ${unit}, got ${describe(radius)}`);
  }
  return radius;
}

export function checkUnit(unit: unknown): GeoUnit {
  if (!GEO_UNITS.includes(unit as GeoUnit)) throw new RediskitArgumentError('unit', `must be one of ${GEO_UNITS.join(', ')}, got ${describe(unit)}`);
  return unit as GeoUnit;
}

/** The limit, checked: an integer from 1 to `max`. */
export function checkLimit(limit: unknown, max: number): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new RediskitArgumentError('limit', `must be an integer from 1 to ${max} (geo.maxResults), got ${describe(limit)}`);
  }
  return limit;
}

// Never echoes a long or odd value whole into an error message.
function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}
