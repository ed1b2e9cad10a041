import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError, RediskitConfigError } from '../errors.js';
import { validateModuleOptions } from '../options/options.validation.js';
import { CacheResponse, InvalidateTags } from './http-cache.decorators.js';
import { advertisedTags, cacheControl, clientNoCache, fillTags, headerTag, mergeVary } from './http-cache.headers.js';
import { canonicalQuery, responseKey } from './http-cache.key.js';
import { defaultIdentify, resolveHttpCacheSettings } from './http-cache.settings.js';
import { ifNoneMatch, serializeBody, strongEtag } from './stored-response.js';
import { Readable } from 'node:stream';

describe('responseKey', () => {
  it('sorts query parameters, normalizes their encoding and shares GET entries with HEAD', () => {
    expect(responseKey({ method: 'GET', url: '/p?b=2&a=1' })).toBe(responseKey({ method: 'HEAD', url: '/p?a=1&b=%32' }));
    expect(responseKey({ method: 'GET', url: '/p?a=1&a=2' })).toBe(responseKey({ method: 'GET', url: '/p?a=2&a=1' }));
    expect(responseKey({ method: 'GET', url: '/p?a=1' })).not.toBe(responseKey({ method: 'GET', url: '/p?a=2' }));
    expect(responseKey({ method: 'GET', url: '/p?' })).toBe(responseKey({ method: 'GET', url: '/p' }));
  });

  it('drops ignored parameters', () => {
    expect(canonicalQuery('utm_source=x&b=1', new Set(['utm_source']))).toBe('b=1');
  });

  it('adds varyBy values and the owner as separate parts (an empty value is a part too)', () => {
    const base = { method: 'GET', url: '/p' };
    expect(responseKey({ ...base, vary: ['en'] })).not.toBe(responseKey({ ...base, vary: ['fr'] }));
    expect(responseKey({ ...base, vary: [undefined] })).not.toBe(responseKey(base));
    expect(responseKey({ ...base, owner: 'ann' })).not.toBe(responseKey({ ...base, owner: 'bob' }));
    expect(responseKey({ ...base, custom: 'x', owner: 1 })).toContain('u1');
  });

  it('never yields a separator, glob or hash tag from user input, and parts cannot run into each other', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (path, vary, owner) => {
        const key = responseKey({ method: 'GET', url: '/' + path, vary: [vary], owner: owner || undefined });
        expect(/[*?[\]{}\s]/.test(key)).toBe(false);
        if (key.startsWith('sha256:')) return;
        const parts = key.split(':');
        expect(parts[0]).toBe('GET');
        expect(parts[parts.length - 1].startsWith(owner ? 'u' : 'h')).toBe(true);
        expect(parts[parts.length - (owner ? 2 : 1)].startsWith('h')).toBe(true);
      }),
    );
    const a = responseKey({ method: 'GET', url: '/a', vary: ['x:hy'] });
    const b = responseKey({ method: 'GET', url: '/a', vary: ['x', 'y'] });
    expect(a).not.toBe(b);
  });

  it('hashes very long keys', () => {
    expect(responseKey({ method: 'GET', url: '/' + 'x'.repeat(2000) })).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
  });
});

describe('headers', () => {
  it('builds Cache-Control for public and private responses', () => {
    expect(cacheControl(false, 0, 60_000, 0)).toBe('public, max-age=0, s-maxage=60');
    expect(cacheControl(false, 10_500, 60_000, 30_000)).toBe('public, max-age=10, s-maxage=60, stale-while-revalidate=30');
    expect(cacheControl(true, 5_000, 60_000, 0)).toBe('private, max-age=5');
  });

  it('advertises tags with their parents, header-safe', () => {
    expect(advertisedTags(['user:1:posts'])).toEqual(['user', 'user:1', 'user:1:posts']);
    expect(headerTag('a b,c"é')).toBe('a%20b%2Cc%22%C3%A9');
  });

  it('fills {param} placeholders and drops tags whose parameter is missing', () => {
    expect(fillTags(['product:{id}', 'shop:{shop}:p:{id}', 'all'], { id: '7' })).toEqual(['product:7', 'all']);
  });

  it('merges Vary without duplicates', () => {
    expect(mergeVary('Accept-Encoding', ['accept-encoding', 'Accept-Language'])).toBe('Accept-Encoding, Accept-Language');
    expect(mergeVary(undefined, ['X'])).toBe('X');
  });

  it('reads a client no-cache request', () => {
    expect(clientNoCache('no-cache', undefined)).toBe(true);
    expect(clientNoCache('max-age=0', undefined)).toBe(true);
    expect(clientNoCache('max-age=10', undefined)).toBe(false);
    expect(clientNoCache(undefined, 'no-cache')).toBe(true);
    expect(clientNoCache(undefined, undefined)).toBe(false);
  });
});

describe('stored responses', () => {
  it('serializes like the adapters and refuses streams', () => {
    expect(serializeBody({ a: 1 }, undefined, false)).toEqual({ text: '{"a":1}', contentType: 'application/json; charset=utf-8' });
    expect(serializeBody('hi', undefined, false)?.contentType).toBe('text/html; charset=utf-8');
    expect(serializeBody('hi', undefined, true)?.contentType).toBe('text/plain; charset=utf-8');
    expect(serializeBody('hi', 'text/csv', true)?.contentType).toBe('text/csv');
    expect(serializeBody(Buffer.from('x'), undefined, true)?.bytes).toEqual(Buffer.from('x'));
    expect(serializeBody(Readable.from(['x']), undefined, false)).toBeUndefined();
    expect(serializeBody({ getStream: () => null }, undefined, false)).toBeUndefined();
  });

  it('makes strong ETags and matches If-None-Match weakly', () => {
    const e = strongEtag('{"a":1}');
    expect(e).toBe(strongEtag(Buffer.from('{"a":1}')));
    expect(e).not.toBe(strongEtag('{"a":2}'));
    expect(ifNoneMatch(e, e)).toBe(true);
    expect(ifNoneMatch(`"x", W/${e}`, e)).toBe(true);
    expect(ifNoneMatch('*', e)).toBe(true);
    expect(ifNoneMatch('"x"', e)).toBe(false);
    expect(ifNoneMatch(undefined, e)).toBe(false);
  });
});

describe('options', () => {
  it('rejects bad decorator arguments naming the option', () => {
    expect(() => CacheResponse({ ttl: 'soon' })).toThrow(RediskitArgumentError);
    expect(() => CacheResponse({ ttl: 0 })).toThrow(/ttl/);
    expect(() => CacheResponse({ varyBy: ['bad header'] })).toThrow(/varyBy/);
    expect(() => CacheResponse({ tags: [''] })).toThrow(/tags/);
    expect(() => InvalidateTags()).toThrow(/tags/);
  });

  it('fails at boot listing every bad httpCache field', () => {
    try {
      validateModuleOptions({ connection: { url: 'redis://x' }, httpCache: { defaultTtl: 'soon', varyBy: ['a b'], statuses: [42], identify: 'user' as never } });
      throw new Error('expected a config error');
    } catch (e) {
      expect(e).toBeInstanceOf(RediskitConfigError);
      const text = (e as Error).message;
      for (const field of ['httpCache.defaultTtl', 'httpCache.varyBy', 'httpCache.statuses', 'httpCache.identify']) expect(text).toContain(field);
    }
  });

  it('resolves defaults and identifies users from request.user or the rediskit session', () => {
    const s = resolveHttpCacheSettings();
    expect(s).toMatchObject({ ttl: 60_000, maxAge: 0, honorClientNoCache: false, namespace: 'http', tagHeaders: true });
    expect(defaultIdentify({ user: { id: 7 } })).toBe(7);
    expect(defaultIdentify({ user: { sub: 'a' } })).toBe('a');
    expect(defaultIdentify({ rediskitSession: { userId: 'u' } })).toBe('u');
    expect(defaultIdentify({})).toBeUndefined();
  });
});
