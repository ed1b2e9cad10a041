import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError } from '../errors.js';
import { encodeKeyPart, Keyspace } from './keyspace.js';

const keyspace = new Keyspace({ prefix: 'rk', app: 'shop', env: 'test' });
const part = fc.oneof(fc.string({ minLength: 1 }), fc.string({ minLength: 1, unit: 'binary' }), fc.integer());

/** Redis' own glob matcher semantics, enough for * ? [..] and \ escapes. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\') re += '\\' + glob[++i];
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      re += glob.slice(i, end + 1);
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

describe('Keyspace', () => {
  it('lays keys out as prefix:app:env:feature:parts', () => {
    expect(keyspace.key('cache', 'users', 42)).toBe('rk:shop:test:cache:users:42');
    expect(new Keyspace().key('f', 'x')).toBe('rk:f:x');
  });

  it('encodes separators, globs, hash-tag braces, escapes and whitespace in user parts', () => {
    expect(encodeKeyPart('a:b*c?[d]{e}\\f%g h')).toBe('a%3Ab%2Ac%3F%5Bd%5D%7Be%7D%5Cf%25g%20h');
  });

  it('rejects empty parts with a typed error naming the key', () => {
    expect(() => keyspace.key('cache', '')).toThrow(RediskitArgumentError);
  });

  it('property: user parts never contain the separator, glob or brace characters', () => {
    fc.assert(
      fc.property(part, (p) => {
        expect(encodeKeyPart(p)).not.toMatch(/[:*?[\]{}\\\s]/);
      }),
    );
  });

  it('property: different part lists never build the same key (no injection across ids)', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), fc.array(part, { minLength: 1, maxLength: 4 }), (a, b) => {
        const same = a.length === b.length && a.every((x, i) => String(x) === String(b[i]));
        expect(keyspace.key('f', ...a) === keyspace.key('f', ...b)).toBe(same);
      }),
    );
  });

  it("property: a feature's SCAN pattern matches its own keys and no other feature's", () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 3 }), (parts) => {
        const own = globToRegExp(keyspace.pattern('sessions'));
        expect(own.test(keyspace.key('sessions', ...parts))).toBe(true);
        expect(own.test(keyspace.key('sessionsx', ...parts))).toBe(false);
        expect(globToRegExp(keyspace.pattern('sessions', parts[0])).test(keyspace.key('sessions', `${parts[0]}x`, 'y'))).toBe(false);
      }),
    );
  });

  it('property: a slotted key has exactly one hash tag, the encoded slot part', () => {
    fc.assert(
      fc.property(part, part, (slot, rest) => {
        const key = keyspace.slotted('lock', slot, rest);
        const open = key.indexOf('{');
        expect(key.slice(open + 1, key.indexOf('}'))).toBe(encodeKeyPart(slot));
        expect(key.split('{').length).toBe(2);
      }),
    );
  });

  it('property: a part holding a lone surrogate is refused, so it cannot share the bytes of U+FFFD', () => {
    const lone = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string(), lone, fc.string(), (before, surrogate, after) => {
        // A high surrogate followed by a low one is a pair, not a lone surrogate.
        fc.pre(!(/[\uD800-\uDBFF]$/.test(before) && /^[\uDC00-\uDFFF]/.test(surrogate)) && !(/^[\uD800-\uDBFF]$/.test(surrogate) && /^[\uDC00-\uDFFF]/.test(after)));
        expect(() => keyspace.key('session', before + surrogate + after)).toThrow(RediskitArgumentError);
      }),
    );
    expect(() => keyspace.key('u', 'carol\uDBFF')).toThrow(/lone surrogate/);
    expect(keyspace.key('u', 'carol\uFFFD')).toBe('rk:shop:test:u:carol\uFFFD');
    expect(keyspace.key('u', 'a\uD83D\uDE00')).toBe('rk:shop:test:u:a\uD83D\uDE00');
  });

  it('property: distinct well-formed parts give distinct keys, also with another separator', () => {
    const parts = fc.array(fc.string({ minLength: 1, unit: 'binary' }), { minLength: 1, maxLength: 3 });
    const dashed = new Keyspace({ separator: '-' });
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(keyspace.key('f', ...a)).not.toBe(keyspace.key('f', ...b));
        expect(dashed.key('f', ...a)).not.toBe(dashed.key('f', ...b));
      }),
    );
  });

  it('takes exactly one safe punctuation character as separator, and no segment containing it', () => {
    expect(() => new Keyspace({ separator: '--' })).toThrow(RediskitArgumentError);
    expect(() => new Keyspace({ separator: '*' })).toThrow(RediskitArgumentError);
    expect(() => new Keyspace({ separator: '' })).toThrow(RediskitArgumentError);
    expect(() => new Keyspace({ separator: '|', app: 'a|b' })).toThrow(/contains the separator/);
    expect(new Keyspace({ separator: '/' }).key('f', 'a/b')).toBe('rk/f/a%2Fb');
  });
});
