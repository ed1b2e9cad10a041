import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { useInstalledApp } from './full-app.behaviour.js';

describe('the packed tarball in an app with none of the optional peers installed', () => {
  const current = useInstalledApp('no-peers', { node: 22 });
  const get = async (path: string) => fetch(current().url + path);

  it('installs without them', () => {
    for (const peer of ['@nestjs/terminus', '@nestjs/throttler', 'prom-client', 'express-session', '@prisma/client', '@opentelemetry/api', '@nestjs/event-emitter']) {
      expect(existsSync(join(current().app.dir, 'node_modules', peer))).toBe(false);
    }
  });

  it('caches with CacheService and @CacheResponse', async () => {
    const first: unknown = await (await get('/products/1')).json();
    expect(await (await get('/products/1')).json()).toEqual(first);
    expect((await get('/catalog')).headers.get('x-cache')).toBe('MISS');
    expect((await get('/catalog')).headers.get('x-cache')).toBe('HIT');
  });

  it('earlyHits: a hit of @CacheResponse is answered before the interceptor runs', async () => {
    const reached = async () => ((await (await get('/intercepted')).json()) as { reached: number }).reached;
    expect((await get('/catalog')).headers.get('x-cache')).toBe('HIT');
    const before = await reached();
    for (let i = 0; i < 3; i++) expect((await get('/catalog')).headers.get('x-cache')).toBe('HIT');
    expect(await reached()).toBe(before);
  });

  it('applies invalidation rules without @nestjs/event-emitter', async () => {
    const first = (await (await get('/products/2')).json()) as { load: number };
    expect(await (await fetch(current().url + '/products/2/changed', { method: 'POST' })).json()).toEqual({ rules: 1, delivered: true });
    expect(await (await get('/products/2')).json()).toEqual({ id: '2', load: first.load + 1 });
  });

  it('answers health in the terminus shape without terminus', async () => {
    expect(await (await get('/health')).json()).toEqual({ redis: expect.objectContaining({ status: 'up' }) });
  });

  it('a subpath whose peer is missing fails naming the package to install', async () => {
    const { expressSession, throttler, prisma } = (await (await get('/subpaths')).json()) as Record<string, string>;
    expect(expressSession).toMatch(/'express-session'/);
    expect(throttler).toBe('loaded'); // it uses only @nestjs/throttler's types
    expect(prisma).toBe('loaded'); // it extends the client it is given, never imports @prisma/client
  });
});
