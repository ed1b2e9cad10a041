import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RediskitArgumentError } from '../errors.js';
import { checkCoordinates, checkLimit, checkMemberId, checkRadius, checkUnit, MAX_LATITUDE, MAX_MEMBER_ID_LENGTH } from './geo.arguments.js';

const argumentOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as RediskitArgumentError).argument;
  }
  return undefined;
};

describe('geo arguments', () => {
  it('coordinates: finite numbers within Redis GEO’s ranges, edges included', () => {
    expect(argumentOf(() => checkCoordinates(MAX_LATITUDE, 180))).toBeUndefined();
    expect(argumentOf(() => checkCoordinates(-MAX_LATITUDE, -180))).toBeUndefined();
    expect(argumentOf(() => checkCoordinates(85.0511288, 0))).toBe('lat');
    expect(argumentOf(() => checkCoordinates(0, 180.0000001))).toBe('lng');
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (lat, lng) => {
        const valid = (v: unknown, max: number) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= max;
        const expected = !valid(lat, MAX_LATITUDE) ? 'lat' : !valid(lng, 180) ? 'lng' : undefined;
        expect(argumentOf(() => checkCoordinates(lat, lng))).toBe(expected);
      }),
    );
  });

  it('radius: above 0, at most half the Earth in its unit', () => {
    expect(checkRadius(20_037, 'km')).toBe(20_037);
    expect(argumentOf(() => checkRadius(20_038, 'km'))).toBe('radius');
    expect(checkRadius(12_450, 'mi')).toBe(12_450);
    expect(argumentOf(() => checkRadius(12_451, 'mi'))).toBe('radius');
    expect(checkRadius(65_000_000, 'ft')).toBe(65_000_000);
    for (const bad of [0, -1, NaN, Infinity, '5', null]) expect(argumentOf(() => checkRadius(bad, 'm'))).toBe('radius');
  });

  it('ids, units and limits', () => {
    expect(argumentOf(() => checkMemberId('x'.repeat(MAX_MEMBER_ID_LENGTH)))).toBeUndefined();
    for (const bad of ['', 'x'.repeat(MAX_MEMBER_ID_LENGTH + 1), '\uDC00', 5, undefined]) expect(argumentOf(() => checkMemberId(bad))).toBe('id');
    expect(checkUnit('mi')).toBe('mi');
    for (const bad of ['M', 'yd', undefined]) expect(argumentOf(() => checkUnit(bad))).toBe('unit');
    expect(checkLimit(1000, 1000)).toBe(1000);
    for (const bad of [0, 1001, 2.5, '3', NaN]) expect(argumentOf(() => checkLimit(bad, 1000))).toBe('limit');
  });
});
