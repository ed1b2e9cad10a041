import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError } from '../errors.js';
import { encodeKeyPart } from '../keyspace/keyspace.js';
import { compileGlob, encodeGlob, MAX_PATTERN_LENGTH, unitLength } from './glob.js';

/** The meaning of a user glob over a user key: `*` any characters, `?` one character (code point). */
function reference(glob: string, key: string): boolean {
  const g = [...glob];
  const k = [...key];
  // match[j]: the first i characters of the glob match the first j of the key
  let match = k.map(() => false);
  match.unshift(true);
  for (const c of g) {
    const next = match.map(() => false);
    for (let j = 0; j <= k.length; j++) {
      if (c === '*') next[j] = match[j] || (j > 0 && next[j - 1]);
      else if (j > 0) next[j] = match[j - 1] && (c === '?' || c === k[j - 1]);
    }
    match = next;
  }
  return match[k.length];
}

/** Redis glob semantics over bytes for what scanPattern holds: `*`, `?` (one byte), `\x` escapes. */
function redisMatch(pattern: string, key: string): boolean {
  const p: (number | 'any' | 'star')[] = [];
  const bytes = Buffer.from(pattern);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x2a) p.push('star');
    else if (b === 0x3f) p.push('any');
    else if (b === 0x5c) p.push(bytes[++i]);
    else p.push(b);
  }
  const k = Buffer.from(key);
  let match = Array.from({ length: k.length + 1 }, (_, j) => j === 0);
  for (const t of p) {
    const next = match.map(() => false);
    for (let j = 0; j <= k.length; j++) {
      if (t === 'star') next[j] = match[j] || (j > 0 && next[j - 1]);
      else if (j > 0) next[j] = match[j - 1] && (t === 'any' || t === k[j - 1]);
    }
    match = next;
  }
  return match[k.length];
}

// Characters that keys encode (: { % space U+2028), multi-byte ones (é, an emoji), plain ones.
const chars = [':', '{', '}', '%', ' ', '\u2028', 'é', '😀', 'a', 'b', '|', '3', 'A'];
const userKey = fc.array(fc.constantFrom(...chars, '*', '?'), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
const userGlob = fc.array(fc.constantFrom(...chars, '*', '?', '?', '*'), { minLength: 1, maxLength: 6 }).map((a) => a.join(''));

describe('glob matching', () => {
  it.each([':', '|'])('agrees with the reference for random keys and globs (separator %s)', (separator) => {
    const prefix = `rk${separator}cache${separator}${encodeKeyPart('ns:1', separator)}${separator}`;
    fc.assert(
      fc.property(userGlob, userKey, (glob, key) => {
        const matcher = compileGlob(prefix + encodeGlob(glob, separator));
        const full = prefix + encodeKeyPart(key, separator);
        const expected = reference(glob, key);
        expect(matcher.test(full)).toBe(expected);
        // What the matcher accepts, SCAN MATCH returns (the matcher then filters the results).
        if (expected) expect(redisMatch(matcher.scanPattern, full)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads `?` as one user character however the key encodes it', () => {
    const m = compileGlob(`p:${encodeGlob('v:?')}`);
    for (const k of ['v:1', 'v:é', 'v::', 'v:{', 'v:😀', 'v:%', 'v: ']) expect(m.test(`p:${encodeKeyPart(k)}`)).toBe(true);
    for (const k of ['v:', 'v:12', 'v::a', 'w:1']) expect(m.test(`p:${encodeKeyPart(k)}`)).toBe(false);
    expect(m.scanPattern).toBe('p:v%3A?*');
  });

  it('never reaches into a nested namespace', () => {
    const m = compileGlob(`rk:cache:${encodeKeyPart('a')}:*`);
    expect(m.test(`rk:cache:${encodeKeyPart('a')}:x`)).toBe(true);
    expect(m.test(`rk:cache:${encodeKeyPart('a:b')}:x`)).toBe(false);
  });

  it('takes linear time on patterns that make a backtracking RegExp run for hours', () => {
    // /^.*a.*a…a.*!$/ on 40 `a`s took seconds; with 24 stars and 600 `a`s it would not finish.
    const keys = Array.from({ length: 2000 }, (_, i) => `rk:cache:default:${'a'.repeat(600)}${i}`);
    const m = compileGlob(`rk:cache:default:${'*a'.repeat(24)}*!`);
    expect(keys.filter((k) => m.test(k))).toEqual([]);
    expect(compileGlob(`rk:cache:default:${'*a'.repeat(24)}*`).test(keys[0])).toBe(true);
  });

  it('bounds the pattern length', () => {
    expect(() => compileGlob('a'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(RediskitArgumentError);
    expect(compileGlob('*'.repeat(MAX_PATTERN_LENGTH)).test('anything')).toBe(true);
  });

  it('cuts keys into user characters', () => {
    const units = (s: string) => {
      const out: string[] = [];
      for (let i = 0; i < s.length; i += unitLength(s, i)) out.push(s.slice(i, i + unitLength(s, i)));
      return out;
    };
    expect(units('a%3A%E2%80%A8é😀%')).toEqual(['a', '%3A', '%E2%80%A8', 'é', '😀', '%']);
    expect(units('%E2%80x%C2')).toEqual(['%E2', '%80', 'x', '%C2']); // not written by any encoder: still cut
  });
});
