import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError } from '../errors.js';
import { itemName, MAX_ITEM_LENGTH, newHoldId, parseHoldId } from './hold-id.js';

const argumentOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as RediskitArgumentError).argument;
  }
  return undefined;
};

describe('hold ids', () => {
  it('carry their item: any item round-trips, tokens differ', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' }), (item) => {
        const a = newHoldId(item);
        const b = newHoldId(item);
        expect(parseHoldId(a.id)).toEqual({ item, token: a.token });
        expect(a.token).not.toBe(b.token);
        expect(a.id.length).toBeLessThanOrEqual(4 * MAX_ITEM_LENGTH);
      }),
    );
  });

  it('reject anything reserve() could not have made, naming holdId', () => {
    const { id, token } = newHoldId('seat:12A');
    const bad: unknown[] = [
      '',
      'nodot',
      `.${token}`,
      `${id}x`,
      `${id.slice(0, -1)}`,
      `c2VhdDoxMkE=.${token}`, // padded
      `c2VhdDoxMkF.${token}`, // not canonical (trailing bits set)
      `${Buffer.from([0xed, 0xa0, 0x80]).toString('base64url')}.${token}`, // a surrogate in UTF-8: not UTF-8
      `${Buffer.from([0xff]).toString('base64url')}.${token}`,
      `a+b.${token}`,
      'x'.repeat(5000),
      42,
      null,
      undefined,
      {},
    ];
    for (const value of bad) expect(argumentOf(() => parseHoldId(value))).toBe('holdId');
  });

  it('any other string is refused or parsed to an item whose new ids parse the same way', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        let parsed;
        try {
          parsed = parseHoldId(text);
        } catch (e) {
          expect(e).toBeInstanceOf(RediskitArgumentError);
          return;
        }
        expect(`${Buffer.from(parsed.item).toString('base64url')}.${parsed.token}`).toBe(text);
      }),
    );
  });

  it('item names: non-empty, bounded, well-formed strings or finite numbers', () => {
    expect(itemName(7)).toBe('7');
    expect(itemName('seat:1')).toBe('seat:1');
    for (const bad of ['', 'x'.repeat(MAX_ITEM_LENGTH + 1), 'a\uD800', NaN, Infinity, null, {}]) {
      expect(argumentOf(() => itemName(bad as never))).toBe('item');
    }
  });
});
