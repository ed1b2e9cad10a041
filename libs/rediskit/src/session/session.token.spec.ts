import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bucketOf, generateToken, hashToken, isWellFormedToken, sessionBucket, TOKEN_LENGTH } from './session.token.js';

describe('session tokens', () => {
  it('are the user bucket + 256 random bits, base64url', () => {
    const bucket = sessionBucket('user-1');
    const token = generateToken(bucket);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).toHaveLength(TOKEN_LENGTH);
    expect(bucketOf(token)).toBe(bucket);
    expect(Buffer.from(token.slice(bucket.length), 'base64url')).toHaveLength(32);
  });

  it('never repeat', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => generateToken('AA')));
    expect(seen.size).toBe(10_000);
  });

  it('hash to a base64url SHA-256 that differs from the token', () => {
    const token = generateToken('AA');
    expect(hashToken(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(token)).not.toContain(token.slice(2, 20));
  });

  it('accept only the exact shape, so anything else is refused before Redis', () => {
    expect(isWellFormedToken(generateToken('AA'))).toBe(true);
    for (const bad of ['', 'abc', generateToken('AA') + 'x', generateToken('AA').slice(1), 'a'.repeat(44) + '*', null, 42, undefined, {}]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
    fc.assert(fc.property(fc.string(), (s) => isWellFormedToken(s) === /^[A-Za-z0-9_-]{45}$/.test(s)));
  });

  it('route every user to a 2-character bucket, the same one each time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (userId) => {
        const bucket = sessionBucket(userId);
        expect(bucket).toMatch(/^[A-Za-z0-9_-]{2}$/);
        expect(sessionBucket(userId)).toBe(bucket);
      }),
    );
  });
});
