import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import querystring from 'node:querystring';
import { responseKey } from 'nestjs-rediskit';

// The frameworks' own target splitting and query parsers: the key must tell apart whatever
// they tell apart. (Dependencies of express and fastify, loaded as they load them.)
const require = createRequire(import.meta.url);
const parseurl: (req: { url: string }) => { pathname: string | null; query: string | null } = require('parseurl');
const qs: { parse(text: string): unknown } = require('qs');
const fastQuerystring: { parse(text: string): unknown } = require('fast-querystring');
const { safeDecodeURI }: { safeDecodeURI(url: string, semicolon: boolean): { path: string; querystring: string } } = require('find-my-way/lib/url-sanitizer.js');

/** What a handler can see of a target: the routed path and the parsed query (names in any order). */
const views = {
  express: (url: string) => {
    const { pathname, query } = parseurl({ url });
    // Express 5's default ("simple") parser, and the "extended" one (qs) an app may choose.
    return canonical({ pathname, simple: querystring.parse(query ?? ''), extended: qs.parse(query ?? '') });
  },
  fastify: (url: string) => {
    const { path, querystring: query } = safeDecodeURI(url, false);
    return canonical({ path, query: query ? fastQuerystring.parse(query) : {} });
  },
};

// Different names in any order are one view (the key sorts them on purpose); arrays keep order.
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(value));
}

const TOKENS = ['a', 'b', 'A', '1', '=', '&', '&', '?', '#', '+', '%', '%20', '%2B', '%23', '%26', '%3D', '%61', '%41', '%FF', '%ff', '%C3%A9', '%c3%a9', '%C3', '%%41', '[', ']', '%5B', '%5D', '.', '~', "'", '"'];
const start = fc.constantFrom('/p', '/p?', '/p?', '/p#', '/p/x');
const target = fc.tuple(start, fc.array(fc.constantFrom(...TOKENS), { maxLength: 10 })).map(([s, t]) => s + t.join(''));

/** The same target with its query segments reordered and some characters spelled as escapes (or the reverse). */
function variant(url: string, order: number[], spell: boolean[]): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const segments = url.slice(q + 1).split('&');
  const keyed = segments.map((s, i) => ({ s, k: order[i % Math.max(order.length, 1)] ?? 0 }));
  keyed.sort((x, y) => x.k - y.k);
  let i = 0;
  const respell = (s: string) =>
    s.replace(/%41|%61|[ab1]/g, (m) => {
      if (!spell[i++ % Math.max(spell.length, 1)]) return m;
      if (m.startsWith('%')) return String.fromCharCode(parseInt(m.slice(1), 16));
      return '%' + m.charCodeAt(0).toString(16).toUpperCase();
    });
  return url.slice(0, q + 1) + keyed.map((x) => respell(x.s)).join('&');
}

const requests = fc.array(
  fc.tuple(target, fc.array(fc.nat(8)), fc.array(fc.boolean()), fc.constantFrom('acme.shop.example', 'globex.shop.example')),
  { minLength: 1, maxLength: 40 },
);

describe('response keys are injective on what the framework routes', () => {
  for (const adapter of ['express', 'fastify'] as const) {
    it(`on ${adapter}: requests that share a key have the same host, routed path and parsed query`, () => {
      let merged = 0;
      fc.assert(
        fc.property(requests, (list) => {
          const byKey = new Map<string, { url: string; view: string }>();
          for (const [url, order, spell, host] of list) {
            for (const u of [url, variant(url, order, spell)]) {
              let view: string;
              try {
                view = host + ' ' + views[adapter](u);
              } catch {
                continue; // the framework answers 400: no handler, no cache
              }
              const key = responseKey({ method: 'GET', url: u, adapter, host });
              const seen = byKey.get(key);
              if (!seen) byKey.set(key, { url: u, view });
              else {
                if (seen.url !== u) merged++;
                expect({ url: u, view }).toEqual({ url: u, view: seen.view });
              }
            }
          }
        }),
        { numRuns: 400 },
      );
      // Not vacuous: many distinct targets did share keys (reordered names, respelled escapes).
      expect(merged).toBeGreaterThan(100);
    });
  }

  it('keeps repeated parameters apart by order, and hosts apart', () => {
    const key = (url: string, host = 'acme.shop.example') => responseKey({ method: 'GET', url, host });
    expect(key('/p?sort=price&sort=name')).not.toBe(key('/p?sort=name&sort=price'));
    expect(key('/p?x=1&sort=price&sort=name')).toBe(key('/p?sort=price&x=1&sort=name'));
    expect(key('/p', 'acme.shop.example')).not.toBe(key('/p', 'globex.shop.example'));
  });
});
