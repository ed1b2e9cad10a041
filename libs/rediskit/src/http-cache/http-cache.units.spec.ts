import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError, RediskitConfigError } from '../errors.js';
import { validateModuleOptions } from '../redis-module.validation.js';
import { CacheResponse, InvalidateTags } from './http-cache.decorators.js';
import { advertisedTags, cacheControl, clientNoCache, fillResultTags, fillTags, headerTag, mergeVary, namesResult } from './http-cache.headers.js';
import { RequestCredentials, hasCookie } from './http-cache.credentials.js';
import { canonicalQuery, responseKey, splitTarget } from './http-cache.key.js';
import { defaultIdentify, resolveHttpCacheSettings } from './http-cache.settings.js';
import { ifNoneMatch, serializeBody, strongEtag, type StoredResponse } from './stored-response.js';
import { storedResponseProblem, type StoredResponseLimits } from './stored-response.validation.js';
import { VersioningType, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA, HEADERS_METADATA, HOST_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { REQUEST_CONTEXT_ID } from '@nestjs/core/router/request/request-constants.js';
import { appConfigOf, earlyHitBlocker, type AppConfigLike } from './early-hit.eligibility.js';
import { validateHeaderValue } from 'node:http';
import { Readable } from 'node:stream';

describe('responseKey', () => {
  it('sorts query parameters, normalizes their encoding and shares GET entries with HEAD', () => {
    expect(responseKey({ method: 'GET', url: '/p?b=2&a=1' })).toBe(responseKey({ method: 'HEAD', url: '/p?a=1&b=%32' }));
    expect(responseKey({ method: 'GET', url: '/p?sort=price&b=1&sort=name' })).toBe(responseKey({ method: 'GET', url: '/p?b=1&sort=price&sort=name' }));
    expect(responseKey({ method: 'GET', url: '/p?a=1' })).not.toBe(responseKey({ method: 'GET', url: '/p?a=2' }));
    expect(responseKey({ method: 'GET', url: '/p?' })).toBe(responseKey({ method: 'GET', url: '/p' }));
  });

  it('drops ignored parameters (by decoded name)', () => {
    expect(canonicalQuery('utm_source=x&b=1', new Set(['utm_source']))).toBe('b=1');
    expect(canonicalQuery('utm%5Fsource=x&b=1', new Set(['utm_source']))).toBe('b=1');
  });

  it('keeps the order of repeated parameters and of names a parser may combine', () => {
    expect(responseKey({ method: 'GET', url: '/p?sort=price&sort=name' })).not.toBe(responseKey({ method: 'GET', url: '/p?sort=name&sort=price' }));
    expect(canonicalQuery('a[]=2&b=1&a[0]=1')).toBe('a%5B%5D=2&a%5B0%5D=1&b=1');
    expect(canonicalQuery('a[0]=1&a[]=2')).not.toBe(canonicalQuery('a[]=2&a[0]=1'));
  });

  it('re-encodes only what decodes: malformed escapes, invalid UTF-8 and + stay as sent', () => {
    expect(canonicalQuery('q=%FF')).not.toBe(canonicalQuery('q=%ff'));
    expect(canonicalQuery('q=%FF')).not.toBe(canonicalQuery('q=%EF%BF%BD'));
    expect(canonicalQuery('q=%%41')).not.toBe(canonicalQuery('q=%A'));
    expect(canonicalQuery('q=a+b')).not.toBe(canonicalQuery('q=a%2Bb'));
    expect(canonicalQuery('q=a+b')).not.toBe(canonicalQuery('q=a%20b'));
    expect(canonicalQuery('q=%c3%a9')).toBe(canonicalQuery('q=%C3%A9'));
    expect(canonicalQuery('q=[x]')).toBe(canonicalQuery('q=%5Bx%5D'));
  });

  it('keys the target as the adapter routes it: a raw # is never keyed as %23', () => {
    expect(splitTarget('/p?a=1#x', 'express')).toEqual({ path: '/p', query: 'a=1' });
    expect(splitTarget('/p#x?a=1', 'express')).toEqual({ path: '/p', query: undefined });
    expect(splitTarget('/p?a=1#x', 'fastify')).toEqual({ path: '/p', query: 'a=1#x' });
    expect(splitTarget('/p#a=1', 'fastify')).toEqual({ path: '/p', query: 'a=1' });
    const express = (url: string) => responseKey({ method: 'GET', url, adapter: 'express' });
    const fastify = (url: string) => responseKey({ method: 'GET', url, adapter: 'fastify' });
    // Express drops the fragment: its handler sees q=1, not q=1#x.
    expect(express('/p?q=1#x')).not.toBe(express('/p?q=1%23x'));
    expect(express('/p?q=1#x')).toBe(express('/p?q=1'));
    // Fastify parses it into the query: its handler sees q=1#x either way, never q=1.
    expect(fastify('/p?q=1#x')).toBe(fastify('/p?q=1%23x'));
    expect(fastify('/p?q=1#x')).not.toBe(fastify('/p?q=1'));
    for (const key of [express, fastify]) expect(key('/p/a#b')).not.toBe(key('/p/a%23b'));
  });

  it('keys the host, and a forwarded host the framework did not take', () => {
    const key = (host?: string, forwardedHost?: string) => responseKey({ method: 'GET', url: '/p', host, forwardedHost });
    expect(key('acme.shop.example')).not.toBe(key('globex.shop.example'));
    expect(key('acme.shop.example')).not.toBe(key('acme.shop.example:8080'));
    expect(key('acme.shop.example', 'evil.example')).not.toBe(key('acme.shop.example'));
    expect(key('evil.example', 'evil.example')).toBe(key('evil.example'));
    expect(key('')).not.toBe(key());
    expect(responseKey({ method: 'GET', url: '/p', custom: 'c', host: 'a' })).not.toBe(responseKey({ method: 'GET', url: '/p', custom: 'c', host: 'b' }));
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

  it('fills tags naming the result from it and the route parameters, leaving out what is missing', () => {
    expect(['item:{result.id}', 'x:{result}', 'shop:{shop}'].map(namesResult)).toEqual([true, true, false]);
    const body = { id: 7, owner: { id: 'ann' }, empty: '', nested: { list: [1] } };
    expect(fillResultTags(['item:{result.id}', 'owner:{result.owner.id}:{shop}', 'e:{result.empty}', 'n:{result.nested}', 'm:{result.missing}'], { shop: 's1' }, body)).toEqual(['item:7', 'owner:ann:s1']);
    expect(fillResultTags(['v:{result}'], undefined, 'text')).toEqual(['v:text']);
    expect(fillResultTags(['item:{result.id}'], undefined, null)).toEqual([]);
    expect(fillResultTags(['p:{result.constructor}', 'q:{result.__proto__}'], undefined, {})).toEqual([]); // own properties only
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
    expect(() => CacheResponse({ private: true, shared: true })).toThrow(/shared/);
    expect(() => CacheResponse({ shared: 'yes' as never })).toThrow(/shared/);
  });

  it('fails at boot listing every bad httpCache field', () => {
    try {
      validateModuleOptions({
        connection: { url: 'redis://x' },
        httpCache: { defaultTtl: 'soon', varyBy: ['a b'], statuses: [42], identify: 'user' as never, credentialCookies: ['a;b'], credentialHeaders: ['x y'], keyByHost: 'no' as never },
      });
      throw new Error('expected a config error');
    } catch (e) {
      expect(e).toBeInstanceOf(RediskitConfigError);
      const text = (e as Error).message;
      for (const field of ['httpCache.defaultTtl', 'httpCache.varyBy', 'httpCache.statuses', 'httpCache.identify', 'httpCache.credentialCookies', 'httpCache.credentialHeaders', 'httpCache.keyByHost']) {
        expect(text).toContain(field);
      }
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

describe('credentialed requests', () => {
  const credentials = new RequestCredentials(['connect.sid', 'remember_me'], ['x-api-key'], (req) => (/(?:^|;\s*)sid=/.test(req.headers.cookie ?? '') ? 'token' : undefined));
  const carried = (headers: Record<string, string>, extra: object = {}) => credentials.carriedBy({ headers, ...extra });

  it('sees Authorization (any scheme), credential headers, the session token, listed cookies, a guard-attached session or user', () => {
    expect(carried({ authorization: 'Bearer x' })).toBe(true);
    expect(carried({ authorization: '' })).toBe(true);
    expect(carried({ 'x-api-key': 'k' })).toBe(true);
    expect(carried({ cookie: '_ga=1; sid=abc' })).toBe(true);
    expect(carried({ cookie: '_ga=1; remember_me=1' })).toBe(true);
    expect(carried({ cookie: 'theme=dark; connect.sid=s%3Aabc' })).toBe(true);
    expect(carried({}, { rediskitSession: { userId: 'u' } })).toBe(true);
    expect(carried({}, { user: { id: 1 } })).toBe(true);
    expect(carried({}, { cookies: { remember_me: '1' } })).toBe(true);
  });

  it('lets anonymous requests, and unrelated cookies, through', () => {
    expect(carried({})).toBe(false);
    expect(carried({ cookie: '_ga=1; theme=dark' })).toBe(false);
    expect(carried({ cookie: 'not_remember_me=1; remember_me_not=2' })).toBe(false);
    expect(carried({ 'x-user': 'ann' })).toBe(false);
  });

  it('finds a listed cookie anywhere in the header, not only first', () => {
    expect(hasCookie('a=1;b=2; remember_me=3', ['remember_me'])).toBe(true);
    expect(hasCookie('remember_me', ['remember_me'])).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,6}$/))), (pairs) => {
        const header = pairs.map(([n, v]) => `${n}=${v}`).join('; ');
        expect(hasCookie(header, ['remember_me'])).toBe(pairs.some(([n]) => n === 'remember_me'));
      }),
    );
  });
});

describe('stored response validation', () => {
  const limits: StoredResponseLimits = { statuses: undefined, storeHeaders: new Set(['link', 'content-language']), maxBodySize: 64 };
  const good: StoredResponse = { n: 'ab1', at: 1_700_000_000_000, s: 200, t: 'application/json; charset=utf-8', b: '{"a":1}', e: strongEtag('{"a":1}'), h: [['link', '</a>; rel=next']], g: ['product', 'product:7'] };
  const problem = (patch: Record<string, unknown>) => storedResponseProblem({ ...good, ...patch }, limits);

  it('accepts what the interceptor stores', () => {
    expect(storedResponseProblem(good, limits)).toBeUndefined();
    expect(problem({ b: Buffer.from([0, 255]).toString('base64'), bin: 1 })).toBeUndefined();
    expect(problem({ h: [['link', ['</a>', '</b>']]], t: undefined, g: undefined })).toBeUndefined();
  });

  it('rejects header values Node would refuse, unknown header names, bad shapes, sizes and statuses', () => {
    expect(problem({ h: [['link', 'a\r\nSet-Cookie: x=1']] })).toBe('header value');
    expect(problem({ h: [['link', ['ok', 'a\nb']]] })).toBe('header value');
    expect(problem({ h: [['set-cookie', 'x=1']] })).toBe('header name');
    expect(problem({ h: [['link']] })).toBe('header name');
    expect(problem({ h: 'link' })).toBe('headers');
    expect(problem({ t: 'text/html\r\nx: 1' })).toBe('content type');
    expect(problem({ e: '"x"\r\n' })).toBe('etag');
    expect(problem({ s: 500 })).toBe('status');
    expect(problem({ s: 999 })).toBe('status');
    expect(problem({ s: 200.5 })).toBe('status');
    expect(storedResponseProblem({ ...good, s: 404 }, { ...limits, statuses: new Set([200, 404]) })).toBeUndefined();
    expect(problem({ b: 'x'.repeat(65) })).toBe('body');
    expect(problem({ b: 'é'.repeat(40) })).toBe('body'); // 80 bytes
    expect(problem({ b: '!!!!', bin: 1 })).toBe('body');
    expect(problem({ b: 42 })).toBe('body');
    expect(problem({ bin: true })).toBe('shape');
    expect(problem({ at: Number.NaN })).toBe('time');
    expect(problem({ n: 7 })).toBe('load id');
    expect(problem({ g: ['a b'] })).toBe('tags');
    expect(problem({ f: 30_000 })).toBeUndefined();
    for (const f of [0, -1, Number.NaN, Infinity, '30s', 1e15]) expect(problem({ f })).toBe('ttl');
    for (const junk of [null, 'text', 42, [], [good]]) expect(storedResponseProblem(junk, limits)).toBe('shape');
  });

  it('never accepts a header value Node would refuse to send', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (value) => {
        if (problem({ h: [['link', value]] }) === undefined) expect(() => validateHeaderValue('link', value)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('earlyHitBlocker', () => {
  class Cache {
    intercept() {}
  }
  class OwnCache extends Cache {}
  class Overriding extends Cache {
    override intercept() {}
  }
  class Other {}
  const config = (o: Partial<AppConfigLike> = {}): AppConfigLike => ({ getGlobalGuards: () => [], getGlobalInterceptors: () => [new Cache()], ...o });
  const route = (decorate?: (cls: Function, handler: Function) => void) => {
    class Controller {
      find() {}
    }
    decorate?.(Controller, Controller.prototype.find);
    return { getClass: () => Controller, getHandler: () => Controller.prototype.find } as unknown as ExecutionContext;
  };
  const meta = (key: string, value: unknown) => (cls: Function, handler: Function) => Reflect.defineMetadata(key, value, key === HOST_METADATA ? cls : handler);

  it('lets a route through when the response cache is the first interceptor and nothing else runs on a hit', () => {
    expect(earlyHitBlocker(route(), {}, config(), Cache)).toBeUndefined();
    expect(earlyHitBlocker(route(), {}, config({ getGlobalInterceptors: () => [] }), Cache)).toBe('an interceptor before ResponseCacheInterceptor (or a subclass overriding intercept())');
    expect(earlyHitBlocker(route(meta(INTERCEPTORS_METADATA, [Cache, Other])), {}, config({ getGlobalInterceptors: () => [] }), Cache)).toBeUndefined();
    expect(earlyHitBlocker(route(), {}, config({ getGlobalInterceptors: () => [new OwnCache()] }), Cache)).toBeUndefined();
    expect(earlyHitBlocker(route(meta(INTERCEPTORS_METADATA, [OwnCache])), {}, config({ getGlobalInterceptors: () => [] }), Cache)).toBeUndefined();
    expect(earlyHitBlocker(route(), {}, config({ getGlobalInterceptors: () => [new Other(), new Cache()] }), Cache)).toBe('an interceptor before ResponseCacheInterceptor (or a subclass overriding intercept())');
    expect(earlyHitBlocker(route(), {}, config({ getVersioning: () => ({ type: VersioningType.URI }) }), Cache)).toBeUndefined();
    // A subclass overriding intercept() does work of its own on every hit.
    expect(earlyHitBlocker(route(), {}, config({ getGlobalInterceptors: () => [new Overriding()] }), Cache)).toBe('an interceptor before ResponseCacheInterceptor (or a subclass overriding intercept())');
    expect(earlyHitBlocker(route(meta(INTERCEPTORS_METADATA, [Overriding])), {}, config({ getGlobalInterceptors: () => [] }), Cache)).toBe('an interceptor before ResponseCacheInterceptor (or a subclass overriding intercept())');
  });

  it('names what keeps a route on the pipeline', () => {
    expect(earlyHitBlocker(route(), {}, undefined, Cache)).toBe('the application config is not readable');
    expect(earlyHitBlocker(route(), {}, config({ getGlobalGuards: () => [{}] }), Cache)).toBe('a global guard');
    expect(earlyHitBlocker(route(), {}, config({ getGlobalRequestGuards: () => [{}] }), Cache)).toBe('a global guard');
    expect(earlyHitBlocker(route(meta(GUARDS_METADATA, [Other])), {}, config(), Cache)).toBe('a guard');
    expect(earlyHitBlocker(route((cls) => Reflect.defineMetadata(GUARDS_METADATA, [Other], cls)), {}, config(), Cache)).toBe('a guard');
    expect(earlyHitBlocker(route(), {}, config({ getGlobalRequestInterceptors: () => [{}] }), Cache)).toBe('a request-scoped global interceptor');
    expect(earlyHitBlocker(route(meta(HEADERS_METADATA, [{ name: 'x', value: 'y' }])), {}, config(), Cache)).toBe('@Header()');
    expect(earlyHitBlocker(route(meta(HOST_METADATA, 'api.example')), {}, config(), Cache)).toBe('a host filter');
    expect(earlyHitBlocker(route(), {}, config({ getVersioning: () => ({ type: VersioningType.HEADER }) }), Cache)).toBe('header, media type or custom versioning');
    expect(earlyHitBlocker(route(), {}, config({ getGlobalPreRequestHooks: () => [() => undefined] }), Cache)).toBe('a pre-request hook');
    expect(earlyHitBlocker(route(), { [REQUEST_CONTEXT_ID]: { id: 1 } }, config(), Cache)).toBe('a request-scoped controller');
  });

  it('reads the application config from the container ModuleRef keeps, or gives undefined', () => {
    const applicationConfig = config();
    expect(appConfigOf({ container: { applicationConfig } } as never)).toBe(applicationConfig);
    expect(appConfigOf({} as never)).toBeUndefined();
    expect(appConfigOf({ container: { applicationConfig: {} } } as never)).toBeUndefined();
  });
});
