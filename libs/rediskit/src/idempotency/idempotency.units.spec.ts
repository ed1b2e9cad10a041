import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseIdempotencyKey, recordId } from './idempotency-key.js';
import { requestFingerprint } from './idempotency.fingerprint.js';
import { readIdempotentResponse } from './idempotency.response.js';

describe('idempotency keys', () => {
  it('accept the draft’s quoted string and a bare token as the same key', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"', 255)).toEqual({ key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(parseIdempotencyKey(' 8e03978e-40d5-43e8-bc93-6894a57f9324 ', 255)).toEqual({ key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(parseIdempotencyKey('"say \\"hi\\" \\\\ now"', 255)).toEqual({ key: 'say "hi" \\ now' });
  });

  it('refuse empty, too long and malformed values', () => {
    expect(parseIdempotencyKey('', 8)).toEqual({ problem: 'empty' });
    expect(parseIdempotencyKey('""', 8)).toEqual({ problem: 'empty' });
    expect(parseIdempotencyKey('"123456789"', 8)).toEqual({ problem: 'too long' });
    expect(parseIdempotencyKey('x'.repeat(100_000), 8)).toEqual({ problem: 'too long' });
    for (const bad of ['a b', '"open', 'a"b', '"\\n"', '"é"', 'k,l', '"a"b"']) expect(parseIdempotencyKey(bad, 255)).toEqual({ problem: 'malformed' });
  });

  it('any printable key round-trips through its quoted form', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]{1,40}$/), (key) => {
        expect(parseIdempotencyKey(`"${key.replace(/["\\]/g, '\\$&')}"`, 40)).toEqual({ key });
      }),
    );
  });

  it('records of two clients never meet, whatever the split between client and key', () => {
    expect(recordId('ab', 'c')).not.toBe(recordId('a', 'bc'));
    expect(recordId('a\n1:b', 'c')).not.toBe(recordId('a', 'b\nc'));
    expect(recordId('alice', 'k')).toBe(recordId('alice', 'k'));
  });
});

describe('request fingerprints', () => {
  it('ignore key order of a parsed body and see method, path, query and every value', () => {
    const base = requestFingerprint('POST', '/orders?x=1', { a: 1, b: [1, 2] });
    expect(requestFingerprint('POST', '/orders?x=1', { b: [1, 2], a: 1 })).toBe(base);
    for (const other of [
      requestFingerprint('PUT', '/orders?x=1', { a: 1, b: [1, 2] }),
      requestFingerprint('POST', '/orders?x=2', { a: 1, b: [1, 2] }),
      requestFingerprint('POST', '/orders?x=1', { a: 1, b: [2, 1] }),
      requestFingerprint('POST', '/orders?x=1', { a: '1', b: [1, 2] }),
      requestFingerprint('POST', '/orders?x=1', undefined),
      requestFingerprint('POST', '/orders?x=1', '{"a":1,"b":[1,2]}'),
    ]) {
      expect(other).not.toBe(base);
    }
    expect(requestFingerprint('POST', '/o', Buffer.from('x'))).not.toBe(requestFingerprint('POST', '/o', 'x'));
  });
});

describe('stored responses read back from Redis', () => {
  it('accept what was stored and refuse anything else', () => {
    const good = { s: 201, t: 'application/json; charset=utf-8', h: [['location', '/orders/7']], b: '{"id":7}' };
    expect(readIdempotentResponse(JSON.stringify(good), 1024)).toEqual(good);
    expect(readIdempotentResponse(JSON.stringify({ s: 201, u: 1 }), 1024)).toEqual({ s: 201, u: 1 });
    for (const bad of [
      'not json',
      'null',
      JSON.stringify({ ...good, s: 99 }),
      JSON.stringify({ ...good, b: 7 }),
      JSON.stringify({ ...good, h: [['Bad Name', 'x']] }),
      JSON.stringify({ ...good, h: [['x-a', 'split\r\nset-cookie: a=b']] }),
      JSON.stringify({ ...good, t: 'text/plain\n' }),
      JSON.stringify({ ...good, b: 'x'.repeat(200_000) }),
    ]) {
      expect(readIdempotentResponse(bad, 1024)).toBeUndefined();
    }
  });
});
