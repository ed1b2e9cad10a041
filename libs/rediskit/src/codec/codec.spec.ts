import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { RediskitArgumentError, RediskitSerializationError } from '../errors.js';
import { Codec } from './codec.js';
import { checkDecoded } from './decode-limits.js';

const everyType = {
  text: 'héllo',
  n: 1.5,
  flag: true,
  none: null,
  list: [1, 'a', { deep: [new Date(0)] }],
  at: new Date('2026-01-02T03:04:05.678Z'),
  big: 2n ** 80n,
  map: new Map<unknown, unknown>([['a', 1], [2, { b: new Set(['x']) }]]),
  set: new Set([1, 2, 3]),
  buffer: Buffer.from([0, 1, 255]),
  bytes: new Uint8Array([9, 8, 7]),
  looksTagged: { $t: 'Date', v: 'not a date' },
};

describe('Codec', () => {
  it.each(['json', 'msgpack'] as const)('%s round-trips every supported type', (serializer) => {
    const codec = new Codec({ serializer });
    const decoded = codec.decode<typeof everyType>(codec.encode(everyType, 'k'), 'k')!;
    expect(decoded).toEqual(everyType);
    expect(Buffer.isBuffer(decoded.buffer)).toBe(true);
    expect(decoded.bytes).toBeInstanceOf(Uint8Array);
  });

  it('stores plain values as readable JSON without a marker', () => {
    expect(new Codec().encode({ a: 1 }).toString()).toBe('{"a":1}');
  });

  it.each(['gzip', 'brotli'] as const)('compresses with %s at the threshold, not below', (algorithm) => {
    const codec = new Codec({ compression: { algorithm, threshold: 100 } });
    const small = codec.encode({ s: 'x'.repeat(10) });
    const large = codec.encode({ s: 'x'.repeat(5000) });
    expect(small.toString()).toContain('xxxx');
    expect(large.length).toBeLessThan(200);
    expect(codec.decode(large)).toEqual({ s: 'x'.repeat(5000) });
  });

  it('reads values written with other settings (settings can change without a migration)', () => {
    const written = new Codec({ serializer: 'msgpack', compression: { algorithm: 'brotli', threshold: 10 } }).encode({ s: 'y'.repeat(100) });
    expect(new Codec().decode(written)).toEqual({ s: 'y'.repeat(100) });
  });

  it('supports a custom compressor', () => {
    const reverse = { compress: (b: Buffer) => Buffer.from(b).reverse(), decompress: (b: Buffer) => Buffer.from(b).reverse() };
    const codec = new Codec({ compression: { algorithm: reverse, threshold: 1 } });
    // reversing does not shrink, so the codec keeps the plain payload
    expect(codec.decode(codec.encode({ a: 'b' }))).toEqual({ a: 'b' });
  });

  it('names the key and the path of a function or a circular reference', () => {
    const codec = new Codec();
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(() => codec.encode({ f: () => 1 }, 'user:1')).toThrow(/user:1.*function at \$\.f/);
    expect(() => codec.encode(circular, 'user:2')).toThrow(RediskitSerializationError);
    expect(() => codec.encode(circular, 'user:2')).toThrow(/user:2.*circular reference at \$\.self/);
    expect(() => codec.encode(undefined, 'user:3')).toThrow(/user:3/);
  });

  it('reports corrupt payloads as serialization errors naming the key', () => {
    expect(() => new Codec().decode(Buffer.from('{not json'), 'bad')).toThrow(/bad/);
    expect(() => new Codec().decode(Buffer.from([0x07, 1]), 'odd')).toThrow(RediskitSerializationError);
  });
});

const nest = (depth: number, leaf: unknown = 1, wrap: (v: unknown) => unknown = (v) => [v]): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
};
const expectSerializationError = (run: () => unknown, pattern: RegExp) => {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RediskitSerializationError);
  expect((error as Error).message).toMatch(pattern);
  return error as RediskitSerializationError;
};

describe('Codec bounds on untrusted payloads', () => {
  const bigText = () => Buffer.from(JSON.stringify('a'.repeat(16 * 1024 * 1024)));

  it('never decompresses twice: a nested gzip bomb is rejected, with or without compression configured', () => {
    let bomb = bigText();
    for (let layer = 0; layer < 3; layer++) bomb = Buffer.concat([Buffer.of(0x03), gzipSync(bomb, { level: 9 })]);
    expect(bomb.length).toBeLessThan(1000);
    for (const codec of [new Codec(), new Codec({ compression: { algorithm: 'gzip' } }), new Codec({ maxInflatedSize: 64 * 1024 * 1024 })]) {
      expectSerializationError(() => codec.decode(bomb, 'bomb'), /bomb.*compressed payload inside a compressed payload/);
    }
  });

  it.each([
    ['gzip', 0x03, (b: Buffer) => gzipSync(b, { level: 9 })],
    ['brotli', 0x04, (b: Buffer) => brotliCompressSync(b)],
  ] as const)('inflates %s at most to maxInflatedSize (default 4 MiB)', (_name, marker, compress) => {
    const bomb = Buffer.concat([Buffer.of(marker), compress(bigText())]);
    expectSerializationError(() => new Codec().decode(bomb, 'k'), /inflates beyond maxInflatedSize \(4194304 bytes\)/);
    const exact = (n: number) => Buffer.concat([Buffer.of(marker), compress(Buffer.from(JSON.stringify('x'.repeat(n - 2))))]);
    const codec = new Codec({ maxInflatedSize: 1000 });
    expect(codec.decode(exact(1000))).toBe('x'.repeat(998));
    expectSerializationError(() => codec.decode(exact(1001)), /inflates beyond/);
  });

  it('hands custom decompressors the limit and rejects what they return beyond it', () => {
    const limits: (number | undefined)[] = [];
    const reverse = {
      compress: (b: Buffer) => Buffer.concat([Buffer.alloc(2), b]),
      decompress: (b: Buffer, max?: number) => {
        limits.push(max);
        return Buffer.concat([b.subarray(2), Buffer.from(' '.repeat(2000))]);
      },
    };
    const codec = new Codec({ compression: { algorithm: reverse, threshold: 1 }, maxInflatedSize: 1500 });
    const payload = Buffer.concat([Buffer.of(0x05), Buffer.alloc(2), Buffer.from('1')]);
    expectSerializationError(() => codec.decode(payload, 'c'), /inflates beyond maxInflatedSize \(1500 bytes\)/);
    expect(limits).toEqual([1500]);
  });

  it('writes payloads above maxInflatedSize uncompressed, so what it writes it reads', () => {
    const codec = new Codec({ compression: { algorithm: 'gzip', threshold: 10 }, maxInflatedSize: 100 });
    const value = { s: 'z'.repeat(500) };
    const bytes = codec.encode(value, 'big');
    expect(bytes.toString()).toBe(JSON.stringify(value));
    expect(codec.decode(bytes)).toEqual(value);
    expect(codec.encodeText(value)).toBe(JSON.stringify(value));
    expect(codec.encodeText({ s: 'z'.repeat(50) })).toBeUndefined(); // compressed by encode
  });

  it.each(['json', 'msgpack'] as const)('%s: nesting up to maxDepth round-trips, one level more fails on both sides', (serializer) => {
    const codec = new Codec({ serializer, maxDepth: 20 });
    const wraps = [(v: unknown) => [v], (v: unknown) => ({ a: v }), (v: unknown) => new Map([['k', v]]), (v: unknown) => new Set([v])];
    for (const wrap of wraps) {
      const ok = nest(20, 'leaf', wrap);
      expect(codec.decode(codec.encode(ok, 'ok'))).toEqual(ok);
      expectSerializationError(() => codec.encode(nest(21, 'leaf', wrap), 'deep'), /deep.*nested deeper than 20 levels/);
      const deep = new Codec({ serializer, maxDepth: 21 }).encode(nest(21, 'leaf', wrap));
      expectSerializationError(() => codec.decode(deep, 'deep'), /deep.*nested deeper than 20 levels/);
    }
  });

  it('rejects a 50 000-deep JSON payload and a 6000-deep value with typed errors naming the key', () => {
    const depth = 50_000;
    expectSerializationError(() => new Codec().decode(Buffer.from('['.repeat(depth) + ']'.repeat(depth)), 'deep:1'), /deep:1.*nested deeper than 128/);
    expectSerializationError(() => new Codec().decode('['.repeat(depth) + ']'.repeat(depth), 'deep:2'), /deep:2.*nested deeper than 128/);
    expectSerializationError(() => new Codec().decode(Buffer.from('\x01' + '['.repeat(depth) + ']'.repeat(depth)), 'deep:3'), /deep:3/);
    for (const serializer of ['json', 'msgpack'] as const) {
      expectSerializationError(() => new Codec({ serializer }).encode(nest(6000), 'deep:4'), /deep:4.*nested deeper than 128 levels/);
    }
    expectSerializationError(() => new Codec().encodeText(nest(6000), 'deep:5'), /deep:5.*nested deeper/);
  });

  it('rejects MessagePack self-references and exponentially shared references', () => {
    const packr = new Packr({ useRecords: true, mapsAsObjects: false, structuredClone: true, useBigIntExtension: true });
    const self: Record<string, unknown> = { n: 1 };
    self.self = self;
    expectSerializationError(() => new Codec().decode(Buffer.concat([Buffer.of(0x02), packr.pack(self)]), 'cyclic'), /cyclic.*cyclic/);
    let shared: unknown = [1];
    for (let i = 0; i < 40; i++) shared = [shared, shared]; // 2^40 leaves as a tree, 40 objects as bytes
    const bytes = Buffer.concat([Buffer.of(0x02), packr.pack(shared)]);
    expect(bytes.length).toBeLessThan(1000);
    // The walk is bounded by maxInflatedSize values (a small bound keeps this test quick under Jest's VM).
    expectSerializationError(() => new Codec({ maxInflatedSize: 64 * 1024 }).decode(bytes, 'dag'), /dag.*expands to more than 65536 values/);
    const fine = { a: { x: 1 }, b: undefined as unknown };
    fine.b = fine.a; // modest sharing still reads
    expect(new Codec({ serializer: 'msgpack' }).decode(new Codec({ serializer: 'msgpack' }).encode(fine))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it('checks typed JSON tags: a forged Buffer length allocates nothing', () => {
    const forged = (v: unknown, t = 'Buffer') => Buffer.from('\x01' + JSON.stringify({ x: { $t: t, v } }));
    expectSerializationError(() => new Codec().decode(forged({ length: 1e9 }), 'b'), /invalid Buffer value/);
    expectSerializationError(() => new Codec().decode(forged({ length: 1e9 }, 'Uint8Array'), 'b'), /invalid Uint8Array value/);
    expectSerializationError(() => new Codec().decode(forged(5, 'Map'), 'b'), /invalid Map value/);
    expectSerializationError(() => new Codec().decode(forged([[1, 2, 3]], 'Object'), 'b'), /invalid Object value/);
    expectSerializationError(() => new Codec().decode(forged(1, 'Date'), 'b'), /invalid Date value/);
  });

  it('never quotes the payload in its errors', () => {
    const e = expectSerializationError(() => new Codec().decode(Buffer.from('{"password":"hunter2"'), 'session:1'), /session:1.*not valid JSON/);
    expect(e.message).not.toContain('hunter2');
    expect(e.cause).toBeUndefined();
    const m = expectSerializationError(() => new Codec().decode(Buffer.concat([Buffer.of(0x02), Buffer.from('\xc1hunter2')]), 'session:2'), /not valid MessagePack/);
    expect(m.message).not.toContain('hunter2');
  });

  it('decodes any bytes to a bounded value or a RediskitSerializationError, nothing else', () => {
    const codec = new Codec({ compression: { algorithm: 'gzip' }, maxInflatedSize: 64 * 1024 });
    const valid = [codec.encode({ a: [1, new Date(0)] }), new Codec({ serializer: 'msgpack' }).encode({ a: new Map([[1, new Set([2])]]) }), codec.encode({ s: 'q'.repeat(5000) })];
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x7b, 0x5b), fc.uint8Array({ maxLength: 64 })).map(([m, b]) => Buffer.concat([Buffer.of(m), b])),
      // valid payloads with bytes flipped or cut
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([v, at, byte, cut]) => {
        const b = Buffer.from(v);
        const i = at % b.length;
        if (cut) return b.subarray(0, i);
        b[i] = byte;
        return b;
      }),
    );
    fc.assert(
      fc.property(payload, (bytes) => {
        try {
          const value = codec.decode(bytes, 'fuzz');
          expect(checkDecoded(value, codec.maxDepth, 64 * 1024)).toBeUndefined();
        } catch (e) {
          expect(e).toBeInstanceOf(RediskitSerializationError);
          expect((e as Error).message).toContain('"fuzz"');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Codec encode errors', () => {
  it('wraps every failure in a RediskitSerializationError naming the key', () => {
    const getter = { get boom(): never { throw new TypeError('getter failed'); } };
    class Failing {
      toJSON(): never {
        throw new Error('toJSON failed');
      }
    }
    const toJson = new Failing();
    for (const serializer of ['json', 'msgpack'] as const) {
      const codec = new Codec({ serializer });
      const e = expectSerializationError(() => codec.encode({ nested: getter }, 'user:7'), /user:7.*getter failed/);
      expect(e.cause).toBeInstanceOf(TypeError);
    }
    expectSerializationError(() => new Codec().encode(toJson, 'user:8'), /user:8.*toJSON failed/);
    expectSerializationError(() => new Codec().encodeText({ g: getter }, 'user:9'), /user:9.*getter failed/);
    const failing = { compress: () => { throw new Error('no space'); }, decompress: (b: Buffer) => b };
    expectSerializationError(() => new Codec({ compression: { algorithm: failing, threshold: 1 } }).encode({ a: 1 }, 'user:10'), /user:10.*no space/);
  });

  it('validates its limits, at boot too', async () => {
    expect(() => new Codec({ maxDepth: 0 })).toThrow(RediskitArgumentError);
    expect(() => new Codec({ maxDepth: 1001 })).toThrow(/codec.maxDepth/);
    expect(() => new Codec({ maxInflatedSize: -1 })).toThrow(/codec.maxInflatedSize/);
    const { validateModuleOptions } = await import('../redis-module.validation.js');
    let problems: string[] = [];
    try {
      validateModuleOptions({ connection: { url: 'redis://x' }, codec: { maxDepth: 1001, maxInflatedSize: 0 } });
    } catch (e) {
      problems = (e as { problems: string[] }).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^codec.maxInflatedSize/), expect.stringMatching(/^codec.maxDepth/)]);
  });
});
