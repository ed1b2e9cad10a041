import { describe, expect, it } from '@jest/globals';
import { RediskitSerializationError } from '../errors.js';
import { Codec } from './codec.js';

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
