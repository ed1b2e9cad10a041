import { describe, expect, it, jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { BUS_LIMITS, BusMessageReader, parseBusMessage, splitBusMessage, type BusMessage } from './bus-message.js';
import { MAX_PATTERN_LENGTH } from './glob.js';

const isValid = (m: BusMessage) =>
  (m.k === undefined || (m.k.length <= BUS_LIMITS.maxKeys && m.k.every((k) => typeof k === 'string' && k.length > 0))) &&
  (m.p === undefined || (m.p.length <= BUS_LIMITS.maxPatterns && m.p.every((p) => typeof p === 'string' && p.length > 0 && p.length <= MAX_PATTERN_LENGTH))) &&
  (m.t === undefined || Object.entries(m.t).every(([tag, v]) => tag.length > 0 && tag.length <= BUS_LIMITS.maxTagLength && Number.isSafeInteger(v) && v >= 0)) &&
  (m.at === undefined || Number.isFinite(m.at));

describe('bus messages', () => {
  it('any text is either dropped with a reason or read as a valid message, never thrown on', () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.string()), fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.double())));
    const text = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ k: field, t: field, p: field, at: field }, { requiredKeys: [] }).map((m) => JSON.stringify(m)),
    );
    fc.assert(
      fc.property(text, (t) => {
        const result = parseBusMessage(t);
        if (typeof result === 'string') expect(['size', 'json', 'shape']).toContain(result);
        else expect(isValid(result)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('drops what breaks a bound', () => {
    expect(parseBusMessage(JSON.stringify({ k: ['x'.repeat(BUS_LIMITS.maxLength)] }))).toBe('size');
    expect(parseBusMessage('{')).toBe('json');
    expect(parseBusMessage(JSON.stringify({ k: Array.from({ length: BUS_LIMITS.maxKeys + 1 }, () => 'k') }))).toBe('shape');
    expect(parseBusMessage(JSON.stringify({ p: ['a'.repeat(MAX_PATTERN_LENGTH + 1)] }))).toBe('shape');
    expect(parseBusMessage(JSON.stringify({ t: { user: Number.MAX_SAFE_INTEGER + 2 } }))).toBe('shape');
    expect(parseBusMessage(JSON.stringify({ t: { user: -1 } }))).toBe('shape');
    expect(parseBusMessage(JSON.stringify({ k: [''] }))).toBe('shape');
    expect(parseBusMessage('{"t":{"__proto__":3}}')).toEqual({ t: Object.assign(Object.create(null), { ['__proto__']: 3 }) });
  });

  it('a sender splits what it publishes into messages receivers accept, losing nothing', () => {
    const key = fc.string({ minLength: 1, maxLength: 300, unit: 'binary' });
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 30_000 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 1024 }), fc.nat(), { maxKeys: 50 }),
        fc.array(fc.string({ minLength: 1, maxLength: MAX_PATTERN_LENGTH }), { maxLength: 70 }),
        (k, t, p) => {
          const message: BusMessage = { ...(k.length && { k }), ...(Object.keys(t).length && { t }), ...(p.length && { p }) };
          const parts = splitBusMessage(message).map((part) => parseBusMessage(JSON.stringify({ ...part, at: Date.now() })));
          for (const part of parts) expect(typeof part).toBe('object');
          const read = parts as BusMessage[];
          expect(read.flatMap((m) => m.k ?? [])).toEqual(k);
          expect(read.flatMap((m) => m.p ?? [])).toEqual(p);
          expect(Object.fromEntries(read.flatMap((m) => Object.entries(m.t ?? {})))).toEqual(t); // fromEntries: `__proto__` stays a key
        },
      ),
      { numRuns: 30 },
    );
    const long = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(100_000, '\u0001')); // 6 JSON characters each
    const parts = splitBusMessage({ k: long });
    expect(parts.length).toBeGreaterThan(10);
    for (const part of parts) expect(parseBusMessage(JSON.stringify(part))).toEqual(part);
  });

  it('the reader counts every dropped message and logs once per reason, without content', () => {
    const warn = jest.fn();
    const dropped: string[] = [];
    const reader = new BusMessageReader({ warn } as unknown as Logger, (r) => dropped.push(r));
    const id = 'i'.repeat(36);
    for (let i = 0; i < 3; i++) {
      expect(reader.read(`${id}{"k":"secret-content"}`, 36)).toBeUndefined();
      expect(reader.read(`${id}not json`, 36)).toBeUndefined();
    }
    expect(reader.read(`${id}${'x'.repeat(BUS_LIMITS.maxLength + 1)}`, 36)).toBeUndefined();
    expect(reader.read(`${id}{"k":["a"]}`, 36)).toEqual({ k: ['a'] });
    expect(dropped).toEqual(['shape', 'json', 'shape', 'json', 'shape', 'json', 'size']);
    expect(warn).toHaveBeenCalledTimes(3);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret-content');
  });
});
