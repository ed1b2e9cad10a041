import { expect, it } from '@jest/globals';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { INestApplication } from '@nestjs/common';
import { CacheService, LockService } from 'nestjs-rediskit';
import type { SpanRecorder } from './span-recorder.js';

export interface Traced {
  app: INestApplication;
  spans: SpanRecorder;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children of `parent` named `name`, in the order they started. */
export function childrenOf(spans: SpanRecorder, parent: { spanContext(): { spanId: string } }, name: string): ReadableSpan[] {
  const id = parent.spanContext().spanId;
  return spans
    .named(name)
    .filter((s) => s.parentSpanContext?.spanId === id)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
}

/** No attribute value of the spans holds one of `secrets` (keys, tokens, user ids). */
export function expectNoneHolds(spans: ReadableSpan[], secrets: string[]): void {
  const values = JSON.stringify(spans.map((s) => s.attributes));
  for (const secret of secrets) expect(values).not.toContain(secret);
}

/** Cache spans: names, the layer that answered, the namespace, children of the caller's span. */
export function cacheSpanBehaviour(current: () => Traced): void {
  it('get and getOrSet are spans under the caller that say which layer answered: miss, l1, l2, stale', async () => {
    const { app, spans } = current();
    const cache = app.get(CacheService).namespace('traced');
    const key = `product:${Date.now()}`;
    const root = await spans.inRoot(async (root) => {
      await cache.getOrSet(key, () => trace.getTracer('test').startActiveSpan('db.load', (s) => (s.end(), 'v1')), { ttl: '1m' });
      await cache.getOrSet(key, () => 'not called', { ttl: '1m' });
      await cache.getOrSet(key, () => 'not called', { ttl: '1m', skipL1: true });
      expect(await cache.get(key, { skipL1: true })).toBe('v1');
      expect(await cache.get(key)).toBe('v1');
      expect(await cache.get(`${key}:absent`)).toBeUndefined();
      await cache.getOrSet(`${key}:stale`, () => 'old', { ttl: 30, grace: '1m' });
      await sleep(60);
      expect(await cache.getOrSet(`${key}:stale`, () => 'new', { ttl: 30, grace: '1m' })).toBe('old');
      return root;
    });
    const getOrSets = childrenOf(spans, root, 'rediskit.cache.getOrSet');
    expect(getOrSets.map((s) => s.attributes['rediskit.cache.layer'])).toEqual(['miss', 'l1', 'l2', 'miss', 'stale']);
    const gets = childrenOf(spans, root, 'rediskit.cache.get');
    expect(gets.map((s) => s.attributes['rediskit.cache.layer'])).toEqual(['l2', 'l1', 'miss']);
    expect(getOrSets[0]!.attributes).toMatchObject({ 'db.system.name': 'redis', 'db.operation.name': 'cache.getOrSet', 'rediskit.cache.namespace': 'traced' });
    expect(getOrSets[0]!.kind).toBe(SpanKind.CLIENT);
    // The loader runs inside the getOrSet span: the application's own spans nest under it.
    expect(spans.childOf(getOrSets[0]!, 'db.load').spanContext().traceId).toBe(root.spanContext().traceId);
    expectNoneHolds([...getOrSets, ...gets], [key]);
  });

  it('a failing loader ends the getOrSet span with an error status', async () => {
    const { app, spans } = current();
    const cache = app.get(CacheService);
    spans.reset();
    await expect(cache.getOrSet(`fails:${Date.now()}`, () => Promise.reject(new Error('db down')), { ttl: '1m' })).rejects.toThrow('db down');
    const [span] = spans.named('rediskit.cache.getOrSet');
    expect(span!.status).toMatchObject({ code: 2, message: 'db down' });
    expect(span!.attributes['error.type']).toBe('Error');
  });
}

/** Lock spans: acquire (acquired or not, fencing token), extend and release, never the resource. */
export function lockSpanBehaviour(current: () => Traced): void {
  it('acquire, extend and release are spans with the fencing token, under the caller', async () => {
    const { app, spans } = current();
    const locks = app.get(LockService);
    const resource = `order:${Date.now()}`;
    const { root, fence } = await spans.inRoot(async (root) => {
      const lock = await locks.acquire(resource, { ttl: 2000 });
      expect(await locks.tryAcquire(resource)).toBeNull();
      await lock.extend(3000);
      expect(await lock.release()).toBe(true);
      return { root, fence: lock.fencingToken };
    });
    const acquires = childrenOf(spans, root, 'rediskit.lock.acquire');
    expect(acquires.map((s) => s.attributes)).toEqual([
      expect.objectContaining({ 'db.system.name': 'redis', 'db.operation.name': 'lock.acquire', 'rediskit.lock.mode': 'single', 'rediskit.lock.acquired': true, 'rediskit.lock.fencing_token': fence }),
      expect.objectContaining({ 'rediskit.lock.acquired': false, 'rediskit.lock.attempts': 1 }),
    ]);
    expect(childrenOf(spans, root, 'rediskit.lock.extend')[0]!.attributes).toMatchObject({ 'db.operation.name': 'lock.extend', 'rediskit.lock.fencing_token': fence });
    expect(childrenOf(spans, root, 'rediskit.lock.release')[0]!.attributes).toMatchObject({ 'rediskit.lock.fencing_token': fence, 'rediskit.lock.released': true });
    expectNoneHolds(spans.exporter.getFinishedSpans(), [resource]);
  });

  it('withLock nests the routine and the lock spans under one caller span', async () => {
    const { app, spans } = current();
    const locks = app.get(LockService);
    const root = await spans.inRoot(async (root) => {
      await locks.withLock(`job:${Date.now()}`, () => trace.getTracer('test').startActiveSpan('job.work', (s) => s.end()));
      return root;
    });
    expect(childrenOf(spans, root, 'rediskit.lock.acquire')).toHaveLength(1);
    expect(childrenOf(spans, root, 'job.work')).toHaveLength(1);
    expect(childrenOf(spans, root, 'rediskit.lock.release')).toHaveLength(1);
  });
}
