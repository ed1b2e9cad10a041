import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { RedisConnectionOptions } from 'nestjs-rediskit';
import request from 'supertest';
import { sleep } from '../harness/index.js';
import { recordId, requestFingerprint } from '../internals.js';
import { bootApp, counter, failuresLeft, runs, type AdapterName, type IdempotencyApp } from './idempotency-app.js';

/** What a topology's fixture gives the shared behaviour. */
export interface IdempotencyTopology {
  connection(): RedisConnectionOptions;
  /** SIGSTOP every server: connections stay open, nothing answers. */
  hang(): void;
  wake(): void;
}

const BUDGET = 300;

/** What `@Idempotent` must do with one adapter on one topology; registered by the standalone and cluster files. */
export function idempotencyBehaviour(adapter: AdapterName, start: () => Promise<IdempotencyTopology>, prefix: string): void {
  let topology: IdempotencyTopology;
  let apps: IdempotencyApp[] = [];
  const key = () => `"${randomUUID()}"`;
  const item = () => `${adapter}-${randomUUID()}`;
  const pay = (app: IdempotencyApp, k: string | undefined, body: object, user = 'alice') => {
    let r = request(app.server).post('/payments').set('X-User', user);
    if (k !== undefined) r = r.set('Idempotency-Key', k);
    return r.send(body);
  };
  const outcomes = async () => {
    const texts = await Promise.all(apps.map((a) => a.metrics.text()));
    const sum = (outcome: string) => texts.reduce((n, t) => n + counter(t, 'idempotency_requests_total', `outcome="${outcome}"`), 0);
    return Object.fromEntries(['executed', 'replayed', 'in_progress', 'mismatch', 'rejected', 'not_replayable', 'unavailable', 'unprotected'].map((o) => [o, sum(o)]));
  };

  beforeAll(async () => {
    topology = await start();
    apps = await Promise.all([0, 1].map(() => bootApp(adapter, topology.connection(), {}, prefix)));
  }, 120_000);
  afterAll(async () => {
    topology?.wake();
    await Promise.all(apps.map((a) => a.close()));
  });

  it('runs the first request with a key once and replays its response to retries, on any instance', async () => {
    const before = await outcomes();
    const k = key();
    const sku = item();
    const first = await pay(apps[0], k, { item: sku, amount: 12 }).expect(201);
    expect(first.body).toEqual({ item: sku, amount: 12, n: 1 });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    for (const app of apps) {
      // The same body with its keys in another order is the same request.
      const again = await pay(app, k, { amount: 12, item: sku }).expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['location']).toBe(first.headers['location']);
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
    }
    expect(runs[`pay:${sku}`]).toBe(1);
    const after = await outcomes();
    expect(after.executed - before.executed).toBe(1);
    expect(after.replayed - before.replayed).toBe(2);
  });

  it('replays a text body with its own status (@HttpCode), byte for byte', async () => {
    const k = key();
    const sku = item();
    const first = await request(apps[0].server).post('/flaky').set('X-User', 'alice').set('Idempotency-Key', k).send({ item: sku }).expect(202);
    const again = await request(apps[1].server).post('/flaky').set('X-User', 'alice').set('Idempotency-Key', k).send({ item: sku }).expect(202);
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(runs[`flaky:${sku}`]).toBe(1);
  });

  it('the same key with another request is 422, and the stored response stays', async () => {
    const before = await outcomes();
    const k = key();
    const sku = item();
    await pay(apps[0], k, { item: sku, amount: 1 }).expect(201);
    const other = await pay(apps[1], k, { item: sku, amount: 2 }).expect(422);
    expect(other.body).toMatchObject({ statusCode: 422, error: 'IDEMPOTENCY_KEY_MISMATCH' });
    await request(apps[0].server).put('/optional').set('X-User', 'alice').set('Idempotency-Key', k).send({ item: sku }).expect(422);
    const replay = await pay(apps[1], k, { item: sku, amount: 1 }).expect(201);
    expect(replay.body.amount).toBe(1);
    expect(runs[`pay:${sku}`]).toBe(1);
    expect((await outcomes()).mismatch - before.mismatch).toBe(2);
  });

  it('a key is required unless the route says not; empty, malformed or too long keys are 400; a client without identity is 401', async () => {
    const sku = item();
    expect((await pay(apps[0], undefined, { item: sku }).expect(400)).body.error).toBe('IDEMPOTENCY_KEY_MISSING');
    for (const bad of ['""', 'two words', '"unterminated', `"${'k'.repeat(256)}"`, '"a\\x"']) {
      expect((await pay(apps[0], bad, { item: sku }).expect(400)).body.error).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    expect(runs[`pay:${sku}`]).toBeUndefined();
    // Quoted (the draft's Structured Field string) and bare are the same key.
    const bare = randomUUID();
    await pay(apps[0], bare, { item: sku }).expect(201);
    expect((await pay(apps[1], `"${bare}"`, { item: sku }).expect(201)).headers['idempotent-replayed']).toBe('true');
    const anonymous = await request(apps[0].server).post('/payments').set('Idempotency-Key', key()).send({ item: sku }).expect(401);
    expect(anonymous.body.error).toBe('IDEMPOTENCY_CLIENT_UNKNOWN');
    await request(apps[0].server).put('/optional').set('X-User', 'alice').send({ item: sku }).expect(200);
    await request(apps[0].server).put('/optional').set('X-User', 'alice').send({ item: sku }).expect(200);
    expect(runs[`optional:${sku}`]).toBe(2);
    expect(runs[`pay:${sku}`]).toBe(1);
  });

  it('on a controller and on a route at once: the route’s options win and the request is handled once', async () => {
    const k = key();
    const sku = item();
    const refund = () => request(apps[0].server).post('/refunds').set('X-User', 'alice').set('Idempotency-Key', k).send({ item: sku });
    expect((await refund().expect(201)).headers['idempotent-replayed']).toBeUndefined();
    expect((await refund().expect(201)).headers['idempotent-replayed']).toBe('true');
    expect(runs[`refund:${sku}`]).toBe(1);
    await request(apps[0].server).post('/refunds').set('X-User', 'alice').send({ item: sku }).expect(400);
    // The controller's options: the key is optional there.
    await request(apps[0].server).post('/refunds/notes').set('X-User', 'alice').send({ item: sku }).expect(201);
    const note = () => request(apps[1].server).post('/refunds/notes').set('X-User', 'alice').set('Idempotency-Key', k).send({ item: sku });
    expect((await note().expect(422)).body.error).toBe('IDEMPOTENCY_KEY_MISMATCH');
  });

  it('keys are scoped per client: another user with the same key and body runs their own request', async () => {
    const k = key();
    const sku = item();
    const alice = await pay(apps[0], k, { item: sku }, 'alice').expect(201);
    const bob = await pay(apps[1], k, { item: sku }, 'bob').expect(201);
    expect(bob.headers['idempotent-replayed']).toBeUndefined();
    expect([alice.body.n, bob.body.n]).toEqual([1, 2]);
    expect((await pay(apps[1], k, { item: sku }, 'bob').expect(201)).body.n).toBe(2);
    expect((await pay(apps[0], k, { item: sku }, 'alice').expect(201)).body.n).toBe(1);
  });

  it('many concurrent duplicates over two instances: the handler runs exactly once, the others get 409 or the replay', async () => {
    const k = key();
    const sku = item();
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => pay(apps[i % 2], k, { item: sku, slow: 300 })));
    expect(runs[`pay:${sku}`]).toBe(1);
    const executed = results.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    expect(executed).toHaveLength(1);
    for (const r of results) {
      if (r.status === 409) {
        expect(r.body.error).toBe('IDEMPOTENCY_KEY_IN_USE');
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      } else {
        expect(r.status).toBe(201);
        expect(r.body).toEqual(executed[0].body);
      }
    }
    expect(results.filter((r) => r.status === 409).length).toBeGreaterThan(0);
  });

  it('a handler that throws frees its key: the retry runs again', async () => {
    const k = key();
    const sku = item();
    failuresLeft[sku] = 1;
    const send = () => request(apps[0].server).post('/flaky').set('X-User', 'alice').set('Idempotency-Key', k).send({ item: sku });
    await send().expect(500);
    await send().expect(202);
    await send().expect(202);
    expect(runs[`flaky:${sku}`]).toBe(2);
  });

  it('a response too large to store is remembered as not replayable (409), never run twice', async () => {
    const k = key();
    const send = (app: IdempotencyApp) => request(app.server).post('/big').set('X-User', 'alice').set('Idempotency-Key', k).send({ size: 70_000 });
    const before = runs.big ?? 0;
    await send(apps[0]).expect(201);
    expect((await send(apps[1]).expect(409)).body.error).toBe('IDEMPOTENCY_NOT_REPLAYABLE');
    expect(runs.big).toBe(before + 1);
  });

  it('an instance that dies mid-request holds the key only until its in-progress marker expires', async () => {
    const app = await bootApp(adapter, topology.connection(), { inProgressTtl: 400 }, prefix);
    try {
      const sku = item();
      const bare = randomUUID();
      // What a dying instance leaves behind: a claim for this exact request, never completed.
      const claimed = await app.service.begin(recordId('alice', bare), requestFingerprint('POST', '/payments', { item: sku }), 'dead-instance', 400);
      expect(claimed.state).toBe('run');
      expect((await pay(app, bare, { item: sku }).expect(409)).body.error).toBe('IDEMPOTENCY_KEY_IN_USE');
      await sleep(600);
      const fresh = await pay(app, bare, { item: sku }).expect(201);
      expect(fresh.headers['idempotent-replayed']).toBeUndefined();
      expect(runs[`pay:${sku}`]).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('bad options fail at boot, naming each field', async () => {
    const error = await bootApp(adapter, topology.connection(), { ttl: 0, maxKeyLength: 0, failure: 'maybe', header: 'bad header', identify: 'user' } as never, prefix).catch((e: unknown) => e);
    const problems = (error as { problems?: string[] }).problems ?? [];
    for (const field of ['ttl', 'maxKeyLength', 'failure', 'header', 'identify']) expect(problems.join('\n')).toContain(`idempotency.${field}`);
  });

  it('while Redis hangs: 503 within the budget and the handler does not run (closed), or it runs unprotected (open); a late claim changes nothing', async () => {
    const closed = await bootApp(adapter, { ...topology.connection(), commandTimeout: 2000 } as never, { commandTimeout: BUDGET }, prefix);
    const open = await bootApp(adapter, { ...topology.connection(), commandTimeout: 2000 } as never, { commandTimeout: BUDGET, failure: 'open' }, prefix);
    const k = key();
    const sku = item();
    try {
      await pay(closed, k, { item: sku }).expect(201); // warm: scripts loaded, connections ready
      const k2 = key();
      topology.hang();
      try {
        const refused = await pay(closed, k2, { item: sku }).timeout(BUDGET + 5000).expect(503);
        expect(refused.body.error).toBe('IDEMPOTENCY_UNAVAILABLE');
        expect(refused.headers['retry-after']).toBe('1');
        expect(runs[`pay:${sku}`]).toBe(1);
        await pay(open, key(), { item: sku }).timeout(BUDGET + 5000).expect(201);
        expect(runs[`pay:${sku}`]).toBe(2);
      } finally {
        topology.wake();
      }
      // The claim sent while Redis hung ran after its deadline: it claimed nothing, so the retry runs now.
      const retry = await pay(closed, k2, { item: sku }).expect(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(runs[`pay:${sku}`]).toBe(3);
      const text = await closed.metrics.text();
      expect(counter(text, 'idempotency_requests_total', 'outcome="unavailable"')).toBe(1);
      expect(counter(text, 'idempotency_failures_total', 'operation="begin"')).toBeGreaterThanOrEqual(1);
      expect(counter(await open.metrics.text(), 'idempotency_requests_total', 'outcome="unprotected"')).toBe(1);
    } finally {
      topology.wake();
      await Promise.all([closed.close(), open.close()]);
    }
  });
}
