import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { RediskitArgumentError, RediskitConfigError, type InvalidationRule } from 'nestjs-rediskit';
import { sleep } from '../harness/index.js';
import { eventually, metric, startInvalidationApp, type InvalidationApp, type InvalidationTopology } from './invalidation-app.js';

type Seen = { entity: string; seq: number };

/** What InvalidationService must do on every topology; registered by the standalone and cluster files. */
export function invalidationBehaviour(start: () => Promise<InvalidationTopology>, prefix: string): void {
  let topology: InvalidationTopology;
  let a: InvalidationApp;
  let b: InvalidationApp;
  let n = 0;
  const unique = (what: string) => `${what}.${++n}`;
  // A rule that records, in order, the events it saw.
  const recording = (on: string, seen: Seen[], tags: (e: Seen) => string[] = () => []): InvalidationRule<Seen> => ({
    on,
    tags: (e) => {
      seen.push({ entity: e.entity, seq: e.seq });
      return tags(e);
    },
  });

  beforeAll(async () => {
    topology = await start();
    [a, b] = await Promise.all([startInvalidationApp(topology.connection(), {}, { prefix }), startInvalidationApp(topology.connection(), {}, { prefix })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('emit on A applies the rules of B on B; rulesFor shows each instance its own rules', async () => {
    const event = unique('product.updated');
    const rule: InvalidationRule<{ id: number }> = { on: event, tags: (e) => [`product:${e.id}`] };
    const remove = b.invalidation.register(rule);
    expect(a.invalidation.rulesFor(event)).toEqual([]);
    expect(b.invalidation.rulesFor(event)).toEqual([expect.objectContaining({ on: event, tags: rule.tags })]);
    await b.cache.set(`${event}:page`, 'cached', { tags: ['product:1'] });
    await b.cache.set(`${event}:other`, 'kept', { tags: ['product:2'] });
    expect(await a.invalidation.emit(event, { id: 1 })).toEqual({ rules: 0, delivered: true });
    await eventually(async () => (await b.cache.get(`${event}:page`)) === undefined, 10_000, 'B to apply its rule');
    expect(await b.cache.get(`${event}:other`)).toBe('kept');
    remove();
    expect(b.invalidation.rulesFor(event)).toEqual([]);
  });

  it('applies locally at once, does not apply its own events twice, and counts them', async () => {
    const event = unique('order.paid');
    const seen: Seen[] = [];
    a.invalidation.register(recording(event, seen, (e) => [`order:${e.entity}`]));
    await a.cache.set(`${event}:o1`, 'cached', { tags: ['order:o1'] });
    const before = metric(await a.metricsText(), 'invalidation_events_total', 'source="emitted"');
    expect(await a.invalidation.emit(event, { entity: 'o1', seq: 1 })).toEqual({ rules: 1, delivered: true });
    expect(await a.cache.get(`${event}:o1`)).toBeUndefined();
    // a marker event through B proves A has read past its own event
    const marker = unique('marker');
    const markers: Seen[] = [];
    a.invalidation.register(recording(marker, markers));
    await b.invalidation.emit(marker, { entity: 'm', seq: 1 });
    await eventually(() => markers.length === 1, 10_000, 'A to read the marker');
    expect(seen).toEqual([{ entity: 'o1', seq: 1 }]);
    expect(metric(await a.metricsText(), 'invalidation_events_total', 'source="emitted"')).toBe(before + 1);
    expect(metric(await a.metricsText(), 'invalidation_events_total', 'source="received"')).toBeGreaterThan(0);
  });

  it('delivers in emit order per entity', async () => {
    const event = unique('stock.changed');
    const seen: Seen[] = [];
    b.invalidation.register(recording(event, seen));
    const entities = ['e1', 'e2', 'e3', 'e4'];
    const emits = Array.from({ length: 200 }, (_, i) => a.invalidation.emit(event, { entity: entities[i % 4], seq: i }));
    await Promise.all(emits);
    await eventually(() => seen.length >= 200, 10_000, 'B to receive 200 events');
    for (const entity of entities) {
      const order = seen.filter((s) => s.entity === entity).map((s) => s.seq);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(new Set(order).size).toBe(50);
    }
  });

  it('bridges @nestjs/event-emitter both ways without echo', async () => {
    const event = unique('user.renamed');
    const [c, d] = await Promise.all([
      startInvalidationApp(topology.connection(), { rules: [{ on: event, tags: (e: { id: number }) => [`user:${e.id}`] }] }, { emitter: true, prefix }),
      startInvalidationApp(topology.connection(), { rules: [{ on: event, tags: (e: { id: number }) => [`user:${e.id}`] }], emitRemoteEvents: true }, { emitter: true, prefix }),
    ]);
    try {
      const heardOnD: unknown[] = [];
      const heardOnC: unknown[] = [];
      d.app.get(EventEmitter2).on(event, (payload: unknown) => heardOnD.push(payload));
      c.app.get(EventEmitter2).on(event, (payload: unknown) => heardOnC.push(payload));
      await d.cache.set(`${event}:u`, 'cached', { tags: ['user:9'] });
      c.app.get(EventEmitter2).emit(event, { id: 9 }); // the app's own event, no call to InvalidationService
      await eventually(() => heardOnD.length === 1, 10_000, 'D to relay the event on its emitter');
      expect(heardOnD).toEqual([{ id: 9 }]);
      expect(await d.cache.get(`${event}:u`)).toBeUndefined();
      await sleep(300);
      expect(heardOnC).toEqual([{ id: 9 }]); // its own emit only: D's relay was not sent back
      expect(metric(await c.metricsText(), 'invalidation_events_total', 'source="emitted"')).toBe(1);
      expect(metric(await d.metricsText(), 'invalidation_events_total', 'source="emitted"')).toBe(0);
    } finally {
      await Promise.all([c.close(), d.close()]);
    }
  });

  it('events emitted while Redis is stopped apply locally at once and reach B, in order, after the restart', async () => {
    const event = unique('price.changed');
    const seenOnB: Seen[] = [];
    b.invalidation.register(recording(event, seenOnB));
    a.invalidation.register({ on: event, tags: (e: Seen) => [`price:${e.entity}`] });
    await a.cache.set(`${event}:p1`, 'cached', { tags: ['price:p1'] });
    expect(await a.cache.get(`${event}:p1`)).toBe('cached');
    await topology.stop();
    try {
      const outcomes = [];
      for (let seq = 1; seq <= 5; seq++) outcomes.push(await a.invalidation.emit(event, { entity: seq % 2 ? 'p1' : 'p2', seq }));
      expect(outcomes.every((o) => o.rules === 1 && !o.delivered)).toBe(true);
      expect(await a.cache.get(`${event}:p1`)).toBeUndefined(); // applied here at once
      expect(metric(await a.metricsText(), 'invalidation_backlog')).toBe(5);
      expect(metric(await a.metricsText(), 'invalidation_failures_total', 'reason="append"')).toBeGreaterThan(0);
    } finally {
      await topology.restart();
    }
    await eventually(() => seenOnB.length >= 5, 15_000, 'B to receive the backlog');
    expect(seenOnB.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    await eventually(async () => metric(await a.metricsText(), 'invalidation_backlog') === 0, 5000, 'the backlog to empty');
    // and the stream works as before
    const after = unique('after.restart');
    const seen: Seen[] = [];
    b.invalidation.register(recording(after, seen));
    expect((await a.invalidation.emit(after, { entity: 'x', seq: 1 })).delivered).toBe(true);
    await eventually(() => seen.length === 1, 10_000, 'B to receive a new event');
  }, 60_000);

  it('a hung Redis: emit settles within its budget, and the append that ran late added nothing', async () => {
    const event = unique('hung');
    const seenOnB: Seen[] = [];
    b.invalidation.register(recording(event, seenOnB));
    topology.hang();
    let outcome;
    try {
      const started = Date.now();
      outcome = await a.invalidation.emit(event, { entity: 'h', seq: 1 });
      expect(Date.now() - started).toBeLessThan(500 + 5000); // the budget plus a margin for a loaded machine (liveness, not timing)
    } finally {
      topology.wake();
    }
    expect(outcome).toEqual({ rules: 0, delivered: false });
    await eventually(() => seenOnB.length >= 1, 15_000, 'B to receive the event once Redis answers');
    await sleep(1500);
    expect(seenOnB).toEqual([{ entity: 'h', seq: 1 }]);
  }, 60_000);

  it('refuses bad rules, names and payloads with the argument named', async () => {
    expect(() => a.invalidation.register({ on: '', tags: 'x' } as never)).toThrow(RediskitArgumentError);
    expect(() => a.invalidation.register({ on: 'x', tagz: [] } as never)).toThrow(/rule.tagz is not a rule field/);
    await expect(a.invalidation.emit('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'event' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(a.invalidation.emit('x', circular)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'payload' });
    await expect(a.invalidation.emit('x', { big: 'y'.repeat(20_000) })).rejects.toThrow(/over invalidation.maxEventSize/);
  });

  it('a rule that throws is counted and does not stop the others', async () => {
    const event = unique('broken');
    const seen: Seen[] = [];
    a.invalidation.register([
      {
        on: event,
        tags: () => {
          throw new Error('rule bug');
        },
      },
      recording(event, seen),
    ]);
    const before = metric(await a.metricsText(), 'invalidation_failures_total', 'reason="rule"');
    expect(await a.invalidation.emit(event, { entity: 'z', seq: 1 })).toEqual({ rules: 2, delivered: true });
    expect(seen).toHaveLength(1);
    expect(metric(await a.metricsText(), 'invalidation_failures_total', 'reason="rule"')).toBe(before + 1);
  });

  it('bad options fail at boot, every bad field listed', async () => {
    const error = await startInvalidationApp(topology.connection(), { rules: [{ on: '', keys: 'k' } as never], backlog: 0, streamLength: 1.5, maxEventSize: -1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RediskitConfigError);
    const message = (error as Error).message;
    for (const field of ['rules[0].on', 'rules[0].keys', 'backlog', 'streamLength', 'maxEventSize']) expect(message).toContain(field);
  });
}
