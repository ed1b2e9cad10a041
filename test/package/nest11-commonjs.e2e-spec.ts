import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../harness/index.js';
import { itServesEveryCapability, useInstalledApp } from './full-app.behaviour.js';

describe('the packed tarball in a Nest 11 CommonJS app (require of the ESM package) with ioredis 5', () => {
  const current = useInstalledApp('nest11-commonjs', { shared: true, node: 20 });
  itServesEveryCapability(current);

  it('really runs Nest 11 and ioredis 5, compiled to CommonJS, on Node 20', () => {
    const { app, nodeVersion } = current();
    expect(nodeVersion).toMatch(/^20\./);
    expect(app.installedVersion('@nestjs/core')).toMatch(/^11\./);
    expect(app.installedVersion('ioredis')).toMatch(/^5\./);
    expect(readFileSync(join(app.dir, 'dist/main.js'), 'utf8')).toContain('require("@nestjs/core")');
  });

  it('nestjs-rediskit/throttler: @nestjs/throttler counts in Redis through RediskitThrottlerStorage', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(current().url + '/throttled')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('httpCache.earlyHits on Nest 11: a hit is answered before the response cache interceptor runs', async () => {
    let base = '';
    await waitFor(() => !!(base = /early-hits app at (http:\/\/\S+)/.exec(current().app.log)?.[1] ?? ''), 10_000, 'the early-hits app to listen');
    const get = (path: string) => fetch(base + path);
    const reached = async () => ((await (await get('/early-reached')).json()) as { reached: number }).reached;
    const catalog = `/early-catalog?attempt=${Math.random().toString(36).slice(2)}`; // a retried attempt starts with a miss too
    const miss = await get(catalog);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const stored = await miss.json();
    // Memory vouches for the entry once the cache's bus is up: from then on hits do not reach the interceptor.
    await waitFor(async () => {
      const before = await reached();
      await get(catalog);
      return (await reached()) === before;
    }, 10_000, 'a hit answered before the interceptor');
    const before = await reached();
    for (let i = 0; i < 3; i++) {
      const res = await get(catalog);
      expect(res.headers.get('x-cache')).toBe('HIT');
      expect(await res.json()).toEqual(stored);
    }
    expect(await reached()).toBe(before);
  });
});
