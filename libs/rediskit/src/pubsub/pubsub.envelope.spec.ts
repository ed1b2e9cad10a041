import { describe, expect, it } from '@jest/globals';
import { Codec } from '../codec/codec.js';
import { RediskitSerializationError } from '../errors.js';
import { decodeMessage, decodeMessages, encodeBatch, encodeFramed, frame } from './pubsub.envelope.js';

const asBuffer = (m: Buffer | string) => (typeof m === 'string' ? Buffer.from(m) : m);

describe('envelope wire format', () => {
  for (const serializer of ['json', 'msgpack'] as const) {
    it(`round-trips through the ${serializer} codec`, () => {
      const codec = new Codec({ serializer, compression: { algorithm: 'gzip', threshold: 64 } });
      const body = { type: 'order.created', data: { at: new Date(5), items: ['x'.repeat(200)] }, ts: 7, source: 'test:1' };
      const message = frame('1700000000000-3', codec.encode(body, 'ch'));
      expect(decodeMessage(codec, message, 'ch')).toEqual({ id: '1700000000000-3', ...body });
    });
  }

  it('stays a string for plain JSON and becomes bytes for typed, compressed or msgpack bodies', () => {
    const plain = { type: 't', data: { n: 1, s: 'é' }, ts: 1, source: 's' };
    const json = new Codec();
    const framed = encodeFramed(json, 'id-1', plain, 'ch');
    expect(framed).toBe('id-1\n{"type":"t","data":{"n":1,"s":"é"},"ts":1,"source":"s"}');
    expect(decodeMessage(json, asBuffer(framed), 'ch')).toEqual({ id: 'id-1', ...plain });

    const typed = { ...plain, data: { at: new Date(3) } };
    const typedFramed = encodeFramed(json, 'id-2', typed, 'ch');
    expect(Buffer.isBuffer(typedFramed)).toBe(true);
    expect(decodeMessage(json, asBuffer(typedFramed), 'ch')).toEqual({ id: 'id-2', ...typed });

    const compressing = new Codec({ compression: { algorithm: 'gzip', threshold: 100 } });
    const big = { ...plain, data: 'y'.repeat(500) };
    const bigFramed = encodeFramed(compressing, 'id-3', big, 'ch');
    expect(Buffer.isBuffer(bigFramed) && bigFramed.length < 200).toBe(true);
    expect(decodeMessage(compressing, asBuffer(bigFramed), 'ch')).toEqual({ id: 'id-3', ...big });
    expect(typeof encodeFramed(compressing, 'id-4', plain, 'ch')).toBe('string'); // below the threshold

    const msgpack = new Codec({ serializer: 'msgpack' });
    const packed = encodeFramed(msgpack, 'id-5', plain, 'ch');
    expect(Buffer.isBuffer(packed)).toBe(true);
    expect(decodeMessage(msgpack, asBuffer(packed), 'ch')).toEqual({ id: 'id-5', ...plain });
  });

  it('reads a batch back as its messages, in order, and a single message as a list of one', () => {
    const codec = new Codec();
    const bodies = [1, 2, 3].map((n) => ({ type: 't', data: { n, text: 'line\nbreak' }, ts: n, source: 's' }));
    const framed = bodies.map((b, i) => encodeFramed(codec, `id-${i}`, b, 'ch') as string);
    const batch = encodeBatch(framed);
    expect(batch.split('\n')).toHaveLength(1 + 2 * bodies.length); // the newline inside data is escaped
    expect(decodeMessages(codec, Buffer.from(batch), 'ch')).toEqual(bodies.map((b, i) => ({ id: `id-${i}`, ...b })));
    expect(decodeMessages(codec, Buffer.from(framed[0]), 'ch')).toEqual([{ id: 'id-0', ...bodies[0] }]);
    expect(() => decodeMessages(codec, Buffer.from('*\nid-1'), 'ch')).toThrow(RediskitSerializationError);
    expect(() => decodeMessages(codec, Buffer.from('*x'), 'ch')).toThrow(RediskitSerializationError);
  });

  it('rejects payloads that are not envelopes, and bodies the codec cannot encode', () => {
    const codec = new Codec();
    expect(() => decodeMessage(codec, Buffer.from('hello'), 'ch')).toThrow(RediskitSerializationError);
    expect(() => decodeMessage(codec, Buffer.from('id\n"just a string"'), 'ch')).toThrow(RediskitSerializationError);
    expect(() => encodeFramed(codec, 'id', { type: 't', data: { f: () => 1 }, ts: 1, source: 's' }, 'ch')).toThrow(/\$\.data\.f/);
  });
});
