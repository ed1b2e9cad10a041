import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeEntry, encodeEntry } from './cache-entry.js';
import { compileKey, compileTags } from './cache-key-template.js';
import { compileGlob, encodeGlob } from './glob.js';
import { deepFreeze } from './memory-layer.js';
import { stableHash, stableStringify } from './stable-hash.js';
import { RediskitArgumentError } from '../errors.js';
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
  it('writes format 2 only for an entry that carries its grace and stale-if-error periods', () => {
    const base = { payload: Buffer.from('"v"'), createdAt: 1, expiresAt: 2, retainUntil: 3, delta: 4, tags: new Map([['user:1', 7]]) };
    expect(encodeEntry(base)[1]).toBe(1);
    const windows = { ...base, grace: 60_000, staleIfError: 0 };
    const bytes = encodeEntry(windows);
    expect(bytes[1]).toBe(2);
    expect(decodeEntry(bytes)).toEqual(windows);
    const negative = Buffer.from(bytes);
    negative.writeDoubleLE(-1, 32);
    expect(decodeEntry(negative)).toBeUndefined();
    expect(decodeEntry(bytes.subarray(0, 40))).toBeUndefined();
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

/** The equality stableHash promises to see: structural, key order free, undefined properties absent. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  const plain = (p: unknown) => p === Object.prototype || p === null;
  if (!(pa === pb || (plain(pa) && plain(pb)))) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (ArrayBuffer.isView(a)) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from((b as Uint8Array).buffer, (b as Uint8Array).byteOffset, (b as Uint8Array).byteLength));
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  if (a instanceof Map || a instanceof Set) {
    const left = [...(a as Map<unknown, unknown>).entries()];
    const right = [...(b as Map<unknown, unknown>).entries()];
    if (left.length !== right.length) return false;
    const used = new Set<number>();
    return left.every((e) => {
      const i = right.findIndex((f, j) => !used.has(j) && same(e[0], f[0]) && same(e[1], f[1]));
      return i >= 0 && used.add(i) !== undefined;
    });
  }
  const keys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined).sort();
  const [ka, kb] = [keys(a), keys(b)];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// Values stableHash accepts, drawn from small pools so that near-equal pairs are frequent.
const { value: accepted } = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constantFrom<unknown>(null, undefined, NaN, 0, -0, 1, Infinity, -Infinity, 1n, true, false, '', '1', 'null', 'u', 'NaN', '1n', 'true', '\uD800', '\uDBFF', '\uFFFD', 'a"b', 'a,b'),
    fc.constantFrom(0, 1, NaN).map((t) => new Date(t)),
    fc.constantFrom('', 'a').map((t) => Buffer.from(t)),
    fc.constantFrom('', 'a').map((t) => new Uint8Array(Buffer.from(t))),
    fc.double(),
    fc.string({ unit: fc.integer({ min: 0xd7fe, max: 0xe001 }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
  ),
  value: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('a', 'b', '"', '__proto__x'), tie('value'), { maxKeys: 3 }).map((o) => (Math.random() < 0.2 ? Object.assign(Object.create(null), o) : o)),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 2 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 3 }).map((v) => new Set(v)),
}));

describe('stableHash', () => {
  it('ignores key order and sees types', () => {
    expect(stableHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(stableHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }));
    expect(stableHash(new Date(0))).not.toBe(stableHash(new Date(1)));
    expect(stableHash(new Set([1, 2]))).toBe(stableHash(new Set([2, 1])));
    expect(stableHash(NaN)).not.toBe(stableHash(null));
    expect(stableHash(0)).not.toBe(stableHash(-0));
    expect(stableHash(['carol\uDBFF'])).not.toBe(stableHash(['carol\uFFFD']));
    expect(stableHash({ a: undefined, b: 1 })).toBe(stableHash({ b: 1 }));
  });

  it('is injective: distinct accepted values give distinct texts, equal ones the same (property)', () => {
    fc.assert(
      fc.property(accepted, accepted, (a, b) => {
        expect(stableStringify(a) === stableStringify(b)).toBe(same(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses, naming where, what it cannot represent faithfully (property)', () => {
    class Account {
      #balance = 0;
      get balance() {
        return this.#balance;
      }
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const unrepresentable = fc.constantFrom<unknown>(
      /^alice$/,
      new URL('https://example.com/a'),
      new Account(),
      new Error('x'),
      () => 1,
      Symbol('s'),
      { get name() { return 'x'; } },
      { [Symbol('k')]: 1 },
      Object.defineProperty({}, 'hidden', { value: 1 }),
      Object.assign([1], { extra: 2 }),
      new (class extends Map {})(),
      new String('boxed'),
      Promise.resolve(1),
      cyclic,
    );
    fc.assert(
      fc.property(accepted, unrepresentable, fc.constantFrom('array', 'object', 'map', 'set', 'root'), (around, bad, where) => {
        const value = where === 'array' ? [around, bad] : where === 'object' ? { ok: around, bad } : where === 'map' ? new Map([[around, bad]]) : where === 'set' ? new Set([bad]) : bad;
        expect(() => stableHash(value)).toThrow(RediskitArgumentError);
      }),
    );
    expect(() => stableHash([{ name: /^alice$/ }], { name: 'arguments of Users.find', hint: 'give @Cacheable an explicit key' })).toThrow(
      'arguments of Users.find[0].name is a RegExp instance, which a cache key cannot represent faithfully: give @Cacheable an explicit key',
    );
  });
});

describe('key templates', () => {
  it('render arguments, paths, results and hashed objects', () => {
    expect(compileKey('user:{0}:{1.id}', 'X.m', false)(['a', { id: 7 }])).toBe('user:a:7');
    expect(compileKey('user:{result.id}', 'X.m', true)([], { id: 9 })).toBe('user:9');
    expect(compileKey('q:{0}', 'X.m', false)([{ b: 1, a: 2 }])).toBe(compileKey('q:{0}', 'X.m', false)([{ a: 2, b: 1 }]));
    expect(compileTags(['t:{0}', (x: string) => `f:${x}`], 'X.m', false)!(['z'])).toEqual(['t:z', 'f:z']);
  });
  it('encode placeholders so separators in values cannot collide', () => {
    const order = compileKey('order:{0}:{1}', 'X.m', false);
    expect(order(['acme:eu', '7'])).toBe('order:acme%3Aeu:7');
    expect(order(['acme', 'eu:7'])).toBe('order:acme:eu:7');
    expect(order(['100%', '7'])).toBe('order:100%25:7');
    expect(compileKey('q:{0}', 'X.m', false)([{ a: 1 }])).toMatch(/^q:%H[\w-]{32}$/);
    // Tags are left as written, so invalidateTags([`user:${id}`]) reaches them.
    expect(compileTags(['user:{0}:x'], 'X.m', false)!(['a:b'])).toEqual(['user:a:b:x']);
  });

  it('are injective: distinct argument lists give distinct keys (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ':', '-', '/', '%', '3', 'A', 'H', 'é'), minLength: 1, maxLength: 5 });
    const separator = fc.constantFrom(':', '-', '/', '|', '.', ' ', '::', ':-');
    const arg = fc.oneof(text, fc.integer({ min: -3, max: 3 }), fc.constantFrom({ a: 1 }, { a: 2 }, ['x']));
    fc.assert(
      fc.property(separator, separator, fc.option(separator, { nil: '' }), arg, arg, arg, arg, (s1, s2, tail, a, b, c, d) => {
        const render = compileKey(`k${s1}{0}${s2}{1}${tail}`, 'X.m', false);
        const [x, y] = [[a, b], [c, d]];
        // A number and its text render alike (the template shows text); otherwise distinct lists, distinct keys.
        // Alike per position: ({a:1}, 3) and ({a:1}, '3') are the same list as far as the key can tell.
        const sameText = (p: unknown, q: unknown) => typeof p !== 'object' && typeof q !== 'object' && String(p) === String(q);
        const alike = (p: unknown, q: unknown) => same(p, q) || sameText(p, q);
        if (!alike(a, c) || !alike(b, d)) expect(render(x)).not.toBe(render(y));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse placeholders that a neighbour could run into', () => {
    expect(() => compileKey('{0}{1}', 'X.m', false)).toThrow(/placeholder "\{0\}" followed by "\{"/);
    expect(() => compileKey('user{0}x', 'X.m', false)).toThrow(/followed by "x"/);
    expect(() => compileKey('p:{0}%', 'X.m', false)).toThrow(/followed by "%"/);
    expect(() => compileKey('q:{0}', 'X.m', false)([/re/])).toThrow(RediskitArgumentError);
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
    const { validateModuleOptions } = await import('../redis-module.validation.js');
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
