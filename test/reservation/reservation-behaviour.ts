import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { Keyspace, MetricsService, RedisRegistry, RediskitConfigError, RediskitError, ReservationService, type Hold, type HoldOutcome } from 'nestjs-rediskit';
import { sleep, waitFor } from '../harness/index.js';
import { argumentOf, BUDGET, bootApp, counter, rediskitErrorOf, type FaultTopology } from '../harness/capability-fixtures.js';

/** What ReservationService must do on every topology; registered by the standalone and cluster files. */
export function reservationBehaviour(start: () => Promise<FaultTopology>, prefix: string): void {
  let topology: FaultTopology;
  let apps: INestApplication[] = [];
  let services: ReservationService[];
  let stock: ReservationService;
  const redis = () => apps[0].get(RedisRegistry).get().client;
  const key = (item: string, part: string) => apps[0].get(Keyspace).slotted('reservation', item, part);
  // The hold counters summed over the instances (each has its own registry).
  const events = async () => {
    const texts = await Promise.all(apps.map((app) => app.get(MetricsService).text()));
    const sum = (event: string) => texts.reduce((n, text) => n + counter(text, 'reservation_holds_total', `event="${event}"`), 0);
    return Object.fromEntries(['reserved', 'refused', 'confirmed', 'released', 'expired'].map((e) => [e, sum(e)]));
  };

  beforeAll(async () => {
    topology = await start();
    const options = { connection: topology.connection(), keyspace: { prefix } };
    apps = await Promise.all(Array.from({ length: 4 }, () => bootApp(options)));
    services = apps.map((app) => app.get(ReservationService));
    stock = services[0];
  }, 120_000);
  afterAll(async () => {
    topology?.wake();
    await Promise.all(apps.map((app) => app.close()));
  });

  it('reserves while enough is available and never goes below zero', async () => {
    expect(await stock.available('unknown-item')).toBe(0);
    expect(await stock.reserve('unknown-item', 1)).toBeNull();
    expect(await stock.setStock('widget', 5)).toBe(true);
    const hold = (await stock.reserve('widget', 3, { holdTtl: '1m' }))!;
    expect(hold).toEqual({ id: expect.any(String), item: 'widget', quantity: 3, expiresAt: expect.any(Number), available: 2 });
    expect(hold.expiresAt - Date.now()).toBeGreaterThan(30_000); // Redis' clock, the same machine
    expect(await services[1].reserve('widget', 3)).toBeNull();
    expect(await services[1].available('widget')).toBe(2);
    const last = (await services[2].reserve('widget', 2))!;
    expect(last.available).toBe(0);
    expect(await services[3].reserve('widget', 1)).toBeNull();
    expect(await stock.stock('widget')).toEqual({ onHand: 5, held: 5, available: 0 });
    // Numbers and strings name the same item, as key parts do.
    await stock.setStock(42, 1);
    expect(await stock.available('42')).toBe(1);
  });

  it('confirm makes a sale final, once: repeated confirms and a late release change nothing', async () => {
    const before = await events();
    await stock.setStock('ticket', 10);
    const hold = (await stock.reserve('ticket', 4))!;
    expect(await services[1].confirm(hold.id)).toBe('confirmed');
    expect(await stock.stock('ticket')).toEqual({ onHand: 6, held: 0, available: 6 });
    expect(await Promise.all(services.map((s) => s.confirm(hold.id)))).toEqual(['confirmed', 'confirmed', 'confirmed', 'confirmed']);
    expect(await services[2].release(hold.id)).toBe('confirmed');
    expect(await stock.stock('ticket')).toEqual({ onHand: 6, held: 0, available: 6 });
    const after = await events();
    expect(after.reserved - before.reserved).toBe(1);
    expect(after.confirmed - before.confirmed).toBe(1);
    expect(after.released - before.released).toBe(0);
  });

  it('release gives the units back, once: repeated releases and a late confirm change nothing', async () => {
    await stock.setStock('seat', 2);
    const hold = (await stock.reserve('seat', 2))!;
    expect(await stock.available('seat')).toBe(0);
    expect(await services[3].release(hold.id)).toBe('released');
    expect(await stock.available('seat')).toBe(2);
    expect(await Promise.all([stock.release(hold.id), services[1].release(hold.id)])).toEqual(['released', 'released']);
    expect(await stock.confirm(hold.id)).toBe('released');
    expect(await stock.stock('seat')).toEqual({ onHand: 2, held: 0, available: 2 });
    // A hold id with a real token but another item finds nothing there.
    const other = (await stock.reserve('seat', 1))!;
    const forged = `${Buffer.from('ticket').toString('base64url')}.${other.id.split('.')[1]}`;
    expect(await stock.confirm(forged)).toBe('unknown');
    expect(await stock.release(other.id)).toBe('released');
  });

  it('holds expire by themselves: the next call for the item returns their units, and they cannot be confirmed', async () => {
    const before = await events();
    await stock.setStock('expiring', 3);
    const short = (await stock.reserve('expiring', 2, { holdTtl: 200 }))!;
    const long = (await stock.reserve('expiring', 1, { holdTtl: '1m' }))!;
    expect(await stock.available('expiring')).toBe(0);
    await sleep(400);
    // Lazy: nothing ran at the expiry; the hold is still recorded as active until a call comes.
    expect(await redis().hget(key('expiring', 'holds'), short.id.split('.')[1])).toBe('2');
    expect(await services[1].available('expiring')).toBe(2);
    expect(await redis().hget(key('expiring', 'holds'), short.id.split('.')[1])).toBe('e');
    expect(await stock.confirm(short.id)).toBe('expired');
    expect(await stock.release(short.id)).toBe('expired');
    expect(await stock.confirm(long.id)).toBe('confirmed');
    expect(await stock.stock('expiring')).toEqual({ onHand: 2, held: 0, available: 2 });
    const after = await events();
    expect(after.expired - before.expired).toBe(1);
  });

  it('a confirm that comes after the expiry finds the hold expired even before any other call reclaimed it', async () => {
    await stock.setStock('race', 1);
    const hold = (await stock.reserve('race', 1, { holdTtl: 150 }))!;
    await sleep(300);
    expect(await services[2].confirm(hold.id)).toBe('expired');
    expect(await stock.stock('race')).toEqual({ onHand: 1, held: 0, available: 1 });
  });

  it('a backlog of expired holds larger than one call reclaims is never confirmed, and drains over calls', async () => {
    const item = 'backlog';
    await stock.setStock(item, 2600);
    // 2500 expired holds of one unit each, written by hand (due long ago, never reclaimed), and
    // one more due just after them: each call reclaims 1000, oldest first.
    const tokens = Array.from({ length: 2500 }, (_, i) => `b${String(i).padStart(21, '0')}`);
    const last = 'V'.repeat(22);
    await redis().hset(key(item, 'holds'), Object.fromEntries([...tokens, last].map((t) => [t, '1'])));
    await redis().zadd(key(item, 'due'), ...tokens.flatMap((t) => [1, t]), 2, last);
    await redis().hincrby(key(item, 'stock'), 'held', 2501);
    expect(await stock.available(item)).toBe(2600 - 1501);
    // This call reclaims the next 1000 and does not reach `last`: it is expired all the same.
    expect(await stock.confirm(`${Buffer.from(item).toString('base64url')}.${last}`)).toBe('expired');
    expect(await stock.stock(item)).toEqual({ onHand: 2600, held: 0, available: 2600 });
    expect(await redis().hget(key(item, 'holds'), last)).toBe('e');
  });

  it('outcomes are remembered for keepOutcomes, then forgotten (unknown) and gone from Redis', async () => {
    const app = await bootApp({ connection: topology.connection(), keyspace: { prefix }, reservation: { keepOutcomes: 200 } });
    try {
      const brief = app.get(ReservationService);
      await brief.setStock('forgetful', 2);
      const hold = (await brief.reserve('forgetful', 1))!;
      expect(await brief.confirm(hold.id)).toBe('confirmed');
      expect(await brief.confirm(hold.id)).toBe('confirmed');
      await sleep(350);
      expect(await brief.confirm(hold.id)).toBe('unknown');
      expect(await redis().hgetall(key('forgetful', 'holds'))).toEqual({});
      expect(await redis().zcard(key('forgetful', 'due'))).toBe(0);
      expect(await brief.available('forgetful')).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('setStock counts held units as on hand; ifMissing seeds an item once', async () => {
    await stock.setStock('shelf', 10);
    const hold = (await stock.reserve('shelf', 4))!;
    await stock.setStock('shelf', 5); // a stock count: 5 there, 4 of them held
    expect(await stock.stock('shelf')).toEqual({ onHand: 5, held: 4, available: 1 });
    await stock.setStock('shelf', 2); // fewer than held: nothing available until holds settle
    expect(await stock.available('shelf')).toBe(0);
    expect(await stock.reserve('shelf', 1)).toBeNull();
    expect(await stock.release(hold.id)).toBe('released');
    expect(await stock.stock('shelf')).toEqual({ onHand: 2, held: 0, available: 2 });
    expect(await stock.setStock('shelf', 100, { ifMissing: true })).toBe(false);
    expect(await stock.available('shelf')).toBe(2);
    expect(await stock.setStock('fresh-shelf', 7, { ifMissing: true })).toBe(true);
    expect(await stock.setStock('fresh-shelf', 9, { ifMissing: true })).toBe(false);
    expect(await stock.available('fresh-shelf')).toBe(7);
    expect(await stock.setStock('fresh-shelf', 0)).toBe(true);
    expect(await stock.reserve('fresh-shelf', 1)).toBeNull();
  });

  it('200 concurrent reservations from 4 instances for the last 5 units: exactly 5 holds, never oversold', async () => {
    const item = `last-units-${Date.now()}`; // a retried attempt must not find the first attempt's holds
    await stock.setStock(item, 5);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => services[i % 4].reserve(item, 1)));
    const holds = results.filter((h): h is Hold => h !== null);
    expect(holds).toHaveLength(5);
    expect(new Set(holds.map((h) => h.id)).size).toBe(5);
    expect(holds.map((h) => h.available).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await stock.stock(item)).toEqual({ onHand: 5, held: 5, available: 0 });
  });

  it('mixed quantities, then concurrent and repeated confirms and releases from every instance: the books balance', async () => {
    const item = `mixed-${Date.now()}`; // a retried attempt must not find the first attempt's holds
    await stock.setStock(item, 50);
    const quantities = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7) % 3));
    const results = await Promise.all(quantities.map((q, i) => services[i % 4].reserve(item, q, { holdTtl: '1m' })));
    const granted = results.filter((h): h is Hold => h !== null);
    const grantedUnits = granted.reduce((n, h) => n + h.quantity, 0);
    const refused = quantities.filter((_, i) => results[i] === null);
    const level = await stock.stock(item);
    expect(grantedUnits + level.available).toBe(50);
    expect(level.held).toBe(grantedUnits);
    // Available only went down: each refused request found fewer than it asked for.
    expect(level.available).toBeLessThan(Math.min(...refused));
    // Confirm even-indexed holds, release the others; each call twice, from two instances at once.
    const settle = (h: Hold, i: number): Promise<HoldOutcome>[] =>
      i % 2 === 0 ? [services[i % 4].confirm(h.id), services[(i + 1) % 4].confirm(h.id)] : [services[i % 4].release(h.id), services[(i + 2) % 4].release(h.id)];
    const outcomes = await Promise.all(granted.flatMap(settle));
    expect(outcomes).toEqual(granted.flatMap((_, i) => (i % 2 === 0 ? ['confirmed', 'confirmed'] : ['released', 'released'])));
    const sold = granted.filter((_, i) => i % 2 === 0).reduce((n, h) => n + h.quantity, 0);
    expect(await stock.stock(item)).toEqual({ onHand: 50 - sold, held: 0, available: 50 - sold });
  });

  it('any sequence of operations agrees with a simple model of the books (property)', async () => {
    type Op = { kind: 'set'; qty: number } | { kind: 'reserve'; qty: number } | { kind: 'confirm'; hold: number } | { kind: 'release'; hold: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), qty: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('reserve' as const), qty: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant('confirm' as const), hold: fc.nat(20) }),
      fc.record({ kind: fc.constant('release' as const), hold: fc.nat(20) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.nat(3), async (ops: Op[], instance) => {
        const item = `model-${run++}`;
        const model = { onHand: 0, held: 0 };
        const holds: { id: string; q: number; state: 'active' | HoldOutcome }[] = [];
        for (const [i, o] of ops.entries()) {
          const s = services[(instance + i) % 4];
          if (o.kind === 'set') {
            await s.setStock(item, o.qty);
            model.onHand = o.qty;
          } else if (o.kind === 'reserve') {
            const hold = await s.reserve(item, o.qty);
            const available = Math.max(0, model.onHand - model.held);
            expect(hold === null).toBe(available < o.qty);
            if (hold) {
              model.held += o.qty;
              holds.push({ id: hold.id, q: o.qty, state: 'active' });
            }
          } else if (holds.length > 0) {
            const h = holds[o.hold % holds.length];
            const outcome = o.kind === 'confirm' ? await s.confirm(h.id) : await s.release(h.id);
            if (h.state === 'active') {
              model.held -= h.q;
              if (o.kind === 'confirm') model.onHand = Math.max(0, model.onHand - h.q);
              h.state = o.kind === 'confirm' ? 'confirmed' : 'released';
            }
            expect(outcome).toBe(h.state);
          }
          expect(await s.stock(item)).toEqual({ onHand: model.onHand, held: model.held, available: Math.max(0, model.onHand - model.held) });
        }
      }),
      { numRuns: 30 },
    );
  });

  it('rejects bad arguments with RediskitArgumentError naming them, before any Redis call', async () => {
    const hold = (await (async () => (await stock.setStock('args', 1), stock.reserve('args', 1)))())!;
    const cases: [() => Promise<unknown>, string][] = [
      [() => stock.setStock('', 1), 'item'],
      [() => stock.setStock('a\uD800', 1), 'item'],
      [() => stock.setStock('x'.repeat(513), 1), 'item'],
      [() => stock.setStock(NaN, 1), 'item'],
      [() => stock.setStock({} as never, 1), 'item'],
      [() => stock.setStock('args', -1), 'quantity'],
      [() => stock.setStock('args', 1.5), 'quantity'],
      [() => stock.setStock('args', 1e13), 'quantity'],
      [() => stock.setStock('args', '3' as never), 'quantity'],
      [() => stock.reserve('args', 0), 'quantity'],
      [() => stock.reserve('args', NaN), 'quantity'],
      [() => stock.reserve('args', Infinity), 'quantity'],
      [() => stock.reserve('args', 1, { holdTtl: 0 }), 'holdTtl'],
      [() => stock.reserve('args', 1, { holdTtl: 'soon' }), 'holdTtl'],
      [() => stock.reserve('', 1), 'item'],
      [() => stock.available(''), 'item'],
      [() => stock.confirm(''), 'holdId'],
      [() => stock.confirm('not a hold'), 'holdId'],
      [() => stock.release(hold.id + 'x'), 'holdId'],
      [() => stock.release(undefined as never), 'holdId'],
    ];
    for (const [call, argument] of cases) expect([argument, await argumentOf(call)]).toEqual([argument, argument]);
    expect(await stock.stock('args')).toEqual({ onHand: 1, held: 1, available: 0 });
  });

  it('rejects invalid reservation options at boot, listing every bad field', async () => {
    const error = await bootApp({ connection: topology.connection(), reservation: { holdTtl: 0, keepOutcomes: 'forever', commandTimeout: -1 } as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RediskitConfigError);
    expect((error as RediskitConfigError).problems).toEqual(
      expect.arrayContaining([expect.stringContaining('reservation.holdTtl'), expect.stringContaining('reservation.keepOutcomes'), expect.stringContaining('reservation.commandTimeout')]),
    );
    await expect(bootApp({ connection: topology.connection(), reservation: { connection: 'nope' } })).rejects.toThrow(/reservation.connection: "nope" is not a configured connection/);
  });

  // Last: they freeze Redis.
  it('while Redis hangs, every call settles within its budget with a RediskitError; late reserves and confirms change nothing', async () => {
    const app = await bootApp({
      connection: { ...topology.connection(), commandTimeout: 2000 } as never,
      keyspace: { prefix },
      circuitBreaker: { failureThreshold: 50, recoveryTimeout: 100 },
      reservation: { commandTimeout: BUDGET },
    });
    try {
      const hung = app.get(ReservationService);
      await hung.setStock('hung', 3);
      const pending = (await hung.reserve('hung', 1))!;
      const before = await redis().hgetall(key('hung', 'holds'));
      topology.hang();
      try {
        for (const call of [hung.reserve('hung', 2), hung.confirm(pending.id), hung.release(pending.id), hung.setStock('hung', 100), hung.available('hung')]) {
          expect(await rediskitErrorOf(call)).toBeInstanceOf(RediskitError);
        }
      } finally {
        topology.wake();
      }
      // The scripts were on the socket and ran when Redis woke, past their deadlines: no effect.
      let level: Awaited<ReturnType<ReservationService['stock']>> | undefined;
      await waitFor(async () => !!(level = await hung.stock('hung').catch(() => undefined)), 20_000, 'Redis to answer again');
      expect(level).toEqual({ onHand: 3, held: 1, available: 2 });
      expect(await redis().hgetall(key('hung', 'holds'))).toEqual(before);
      expect(await hung.release(pending.id)).toBe('released');
    } finally {
      await app.close();
    }
  });

  it('with the circuit open, calls fail at once with a RediskitError', async () => {
    const breaker = apps[0].get(RedisRegistry).get().breaker;
    const failures = () => apps[0].get(MetricsService).text().then((t) => counter(t, 'reservation_failures_total', 'operation="reserve"'));
    const before = await failures();
    breaker.open();
    try {
      expect((await rediskitErrorOf(stock.reserve('widget', 1))).code).toBe('CIRCUIT_OPEN');
      expect((await rediskitErrorOf(stock.confirm(`${Buffer.from('w').toString('base64url')}.${'A'.repeat(22)}`))).code).toBe('CIRCUIT_OPEN');
    } finally {
      breaker.close();
    }
    expect(await failures()).toBe(before + 1);
  });
}
