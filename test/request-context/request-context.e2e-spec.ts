import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Controller, Get, Injectable } from '@nestjs/common';
import { currentRequestId, RequestCache, RequestCached, runInRequestContext, type RedisModuleOptions } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { sleep, startContextApp, type AdapterName } from './context-app.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

describe.each<AdapterName>(['express', 'fastify'])('request context over HTTP (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startContextApp(adapter, { connection: { url: server.url }, keyspace: { prefix: `ctx-${adapter}` }, requestContext: true });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('uses a well-formed X-Request-Id and echoes it', async () => {
    const res = await request(app.getHttpServer()).get('/ctx/id').set('X-Request-Id', 'order-42.retry:1').expect(200);
    expect(res.headers['x-request-id']).toBe('order-42.retry:1');
    expect(res.body).toEqual({ before: 'order-42.retry:1', after: 'order-42.retry:1' });
  });

  it('generates an id when the header is missing, too long or unsafe, and echoes it', async () => {
    for (const header of [undefined, 'x'.repeat(129), 'a b', 'evil"quote', 'line\tbreak']) {
      const req = request(app.getHttpServer()).get('/ctx');
      const res = await (header === undefined ? req : req.set('X-Request-Id', header)).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.id).toBe(res.headers['x-request-id']);
    }
  });

  it('keeps the context through a request body, concurrent requests apart', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `post-${adapter}-${i}`);
    const bodies = await Promise.all(ids.map((id, n) => request(app.getHttpServer()).post('/ctx/id').set('X-Request-Id', id).send({ n, pad: 'x'.repeat(70_000) }).then((r) => r.body)));
    expect(bodies).toEqual(ids.map((id, n) => ({ n, after: id })));
  });

  it('keeps concurrent requests apart', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `req-${adapter}-${i}`);
    const bodies = await Promise.all(ids.map((id) => request(app.getHttpServer()).get('/ctx/id').set('X-Request-Id', id).then((r) => r.body)));
    expect(bodies).toEqual(ids.map((id) => ({ before: id, after: id })));
  });
});

/** A provider that uses the request cache through the decorator only. */
@Injectable()
class DecoratedReader {
  @RequestCached()
  async read(id: string) {
    return `${id}:${currentRequestId()}`;
  }
}

/** A provider that gets RequestCache injected, and a route that uses it. */
@Injectable()
class InjectedReader {
  constructor(readonly cache: RequestCache) {}
}
@Controller('reader')
class ReaderController {
  constructor(private readonly reader: InjectedReader) {}
  @Get()
  read() {
    return this.reader.cache.getOrSet('answer', () => ({ id: currentRequestId() }));
  }
}

describe('where the request context is installed (express)', () => {
  /** The id the app saw and the id it echoed, for a request that sends one. */
  async function idsSeen(options: Partial<RedisModuleOptions>, extra: Parameters<typeof startContextApp>[2] = {}) {
    const app = await startContextApp('express', { connection: { url: server.url }, ...options }, extra);
    try {
      const res = await request(app.getHttpServer()).get('/ctx').set('X-Request-Id', 'where-1').expect(200);
      return { seen: res.body.id ?? null, echoed: res.headers['x-request-id'] ?? null };
    } finally {
      await app.close();
    }
  }
  const on = { seen: 'where-1', echoed: 'where-1' };
  const off = { seen: null, echoed: null };

  it('not in an application that does not use the request cache', async () => {
    expect(await idsSeen({})).toEqual(off);
  });

  it('in one that injects RequestCache, has a @RequestCached method, or has a requestCache section', async () => {
    expect(await idsSeen({}, { controllers: [ReaderController], providers: [InjectedReader] })).toEqual(on);
    expect(await idsSeen({}, { providers: [DecoratedReader] })).toEqual(on);
    expect(await idsSeen({ requestCache: {} })).toEqual(on);
  });

  it('as the requestContext option says, whatever the application uses', async () => {
    expect(await idsSeen({ requestContext: true })).toEqual(on);
    expect(await idsSeen({ requestContext: false }, { providers: [DecoratedReader] })).toEqual(off);
  });
});

describe('runInRequestContext (microservice handlers, jobs)', () => {
  it('gives the function a context with the id given, or a generated one, and ends it', async () => {
    expect(currentRequestId()).toBeUndefined();
    const seen = await runInRequestContext(async () => {
      await sleep(5);
      return currentRequestId();
    }, { requestId: 'job-nightly' });
    expect(seen).toBe('job-nightly');
    expect(runInRequestContext(() => currentRequestId())).toMatch(/^[0-9a-f-]{36}$/);
    expect(runInRequestContext(() => currentRequestId(), { requestId: 'bad id' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(currentRequestId()).toBeUndefined();
  });

  it('keeps concurrent runs apart and passes a rejection through', async () => {
    const ids = await Promise.all(['a', 'b', 'c'].map((id, i) => runInRequestContext(async () => (await sleep(10 - i * 3), currentRequestId()), { requestId: id })));
    expect(ids).toEqual(['a', 'b', 'c']);
    await expect(runInRequestContext(async () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
  });
});
