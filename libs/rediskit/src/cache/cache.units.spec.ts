import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeEntry, encodeEntry } from './cache-entry.js';
import { compileKey, compileTags } from './cache-key-template.js';
import { compileGlob, encodeGlob } from './glob.js';
import { deepFreeze } from './memory-layer.js';
import { stableHash } from './stable-hash.js';
import { TagVersions } from './tag-versions.js';
import { encodeKeyPart } from '../keyspace/keyspace.js';

describe('cache entry format', () => {
  it('round-trips timing, tag versions and payload', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.dictionary(fc.string({ minLength: 1 }), fc.nat()), fc.nat({ max: 2 ** 32 - 1 }), (bytes, tags, delta) => {
        const entry = { payload: Buffer.from(bytes), createdAt: 1.5e12, expiresAt: 1.6e12, retainUntil: 1.7e12, delta, tags: Object.keys(tags).length ? new Map(Object.entries(tags)) : undefined };
        expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
      }),
    );
  });
  it('does not mistake other bytes for an entry', () => {
    expect(decodeEntry(Buffer.from('{"plain":"json value written by someone else"}'))).toBeUndefined();
  });
  it('reads any bytes without throwing: malformed headers are not entries', () => {
    const valid = encodeEntry({ payload: Buffer.from('1'), createdAt: 1, expiresAt: 2, retainUntil: 3, delta: 0, tags: new Map([['user', 1]]) });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 79 }), fc.boolean(), (bytes, cut, withHeader) => {
        // Random bytes, and valid headers cut short or followed by garbage.
        const input = withHeader ? Buffer.concat([valid.subarray(0, Math.min(cut, valid.length)), Buffer.from(bytes)]) : Buffer.from(bytes);
        const entry = decodeEntry(input);
        if (entry === undefined) return;
        expect([entry.createdAt, entry.expiresAt, entry.retainUntil, ...(entry.tags?.values() ?? [])].every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    const lying = Buffer.from(valid);
    lying.writeUInt16LE(65535, 30); // claims 65 535 tags
    expect(decodeEntry(lying)).toBeUndefined();
    const nan = Buffer.from(valid);
    nan.writeDoubleLE(NaN, 10);
    expect(decodeEntry(nan)).toBeUndefined();
  });
});

describe('tags', () => {
  it('expand hierarchically without duplicates', () => {
    expect(TagVersions.expand(['user:1:posts', 'user:1', 'org'])).toEqual(['user', 'user:1', 'user:1:posts', 'org']);
    expect(() => TagVersions.expand([''])).toThrow(/tags/);
  });
});

describe('globs', () => {
  it('encode literal runs like keys, so a user glob matches encoded keys and only them', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (prefix, rest) => {
        const glob = encodeGlob(`${prefix.replace(/[*?]/g, '')}*`);
        const key = encodeKeyPart(prefix.replace(/[*?]/g, '') + rest);
        if (prefix.replace(/[*?]/g, '') === '') return;
        expect(compileGlob(glob).test(key)).toBe(true);
      }),
    );
    expect(encodeGlob('user:{x}*')).toBe('user%3A%7Bx%7D*');
    expect(compileGlob('a?c*').test('abcdef')).toBe(true);
    expect(compileGlob('a.c').test('abc')).toBe(false);
  });
});

describe('stableHash', () => {
  it('ignores key order and sees types', () => {
    expect(stableHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(stableHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }));
    expect(stableHash(new Date(0))).not.toBe(stableHash(new Date(1)));
    expect(stableHash(new Set([1, 2]))).toBe(stableHash(new Set([2, 1])));
  });
});

describe('key templates', () => {
  it('render arguments, paths, results and hashed objects', () => {
    expect(compileKey('user:{0}:{1.id}', 'X.m', false)(['a', { id: 7 }])).toBe('user:a:7');
    expect(compileKey('user:{result.id}', 'X.m', true)([], { id: 9 })).toBe('user:9');
    expect(compileKey('q:{0}', 'X.m', false)([{ b: 1, a: 2 }])).toBe(compileKey('q:{0}', 'X.m', false)([{ a: 2, b: 1 }]));
    expect(compileTags(['t:{0}', (x: string) => `f:${x}`], 'X.m', false)!(['z'])).toEqual(['t:z', 'f:z']);
  });
  it('fail clearly', () => {
    expect(() => compileKey('user:{result}', 'X.m', false)).toThrow(/X\.m.*\{result\}/);
    expect(() => compileKey('user:{name}', 'X.m', false)).toThrow(/placeholder/);
    expect(() => compileKey('user:{0}', 'X.m', false)([undefined])).toThrow(/\{0\} resolved to undefined/);
  });
});

describe('deepFreeze', () => {
  it('freezes plain data and refuses, untouched, what freezing cannot protect', () => {
    const plain = { a: [1, { b: 2 }] };
    expect(deepFreeze(plain)).toBe(true);
    expect(Object.isFrozen(plain.a[1])).toBe(true);
    const mixed = { a: { b: 1 }, m: new Map() };
    expect(deepFreeze(mixed)).toBe(false);
    expect(Object.isFrozen(mixed.a)).toBe(false);
  });
});

describe('cache options', () => {
  it('invalid options fail at boot, every bad field listed', async () => {
    const { validateModuleOptions } = await import('../options/options.validation.js');
    let problems: string[] = [];
    try {
      validateModuleOptions({
        connection: { url: 'redis://x' },
        cache: { defaultTtl: 'soon', l1: { maxEntries: 0, mode: 'copy' as never }, timeout: { soft: 'x' } as never, writeBehind: { persist: 1 as never }, earlyRefresh: -1 },
      });
    } catch (e) {
      problems = (e as { problems: string[] }).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('cache.defaultTtl'),
        expect.stringContaining('cache.l1.maxEntries'),
        expect.stringContaining('cache.l1.mode'),
        expect.stringContaining('cache.timeout'),
        expect.stringContaining('cache.writeBehind.persist'),
        expect.stringContaining('cache.earlyRefresh'),
      ]),
    );
    expect(() => validateModuleOptions({ connection: { url: 'redis://x' }, cache: { l1: false } })).not.toThrow();
  });
});
