import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { GeoService, Keyspace, type GeoMember, MetricsService, RedisRegistry, RediskitConfigError, RediskitError } from 'nestjs-rediskit';
import { sleep, waitFor } from '../harness/index.js';
import { argumentOf, BUDGET, bootApp, counter, rediskitErrorOf, type FaultTopology } from '../harness/capability-fixtures.js';

const BERLIN = { lat: 52.52, lng: 13.405 };
const MUNICH = { lat: 48.137, lng: 11.575 };

/** What GeoService must do on every topology; registered by the standalone and cluster files. */
export function geoBehaviour(start: () => Promise<FaultTopology>, prefix: string): void {
  let topology: FaultTopology;
  let apps: INestApplication[] = [];
  let geo: GeoService;
  let other: GeoService;
  const redis = () => apps[0].get(RedisRegistry).get().client;
  const key = (collection: string, part: string) => apps[0].get(Keyspace).slotted('geo', collection, part);

  beforeAll(async () => {
    topology = await start();
    const options = { connection: topology.connection(), keyspace: { prefix } };
    apps = [await bootApp(options), await bootApp(options)];
    [geo, other] = apps.map((app) => app.get(GeoService));
  }, 120_000);
  afterAll(async () => {
    topology?.wake();
    await Promise.all(apps.map((app) => app.close()));
  });

  it('finds members within the radius, nearest first, with distances, positions, meta and last seen', async () => {
    const fleet = geo.collection<{ name: string }>('nearest');
    await fleet.update('far', MUNICH.lat, MUNICH.lng, { name: 'Munich' });
    await fleet.update('mid', 52.53, 13.42, { name: 'Mitte' });
    expect(await other.collection('nearest').update('near', 52.5201, 13.4051, { name: 'Alex' })).toBe(3);
    const found = await fleet.nearby(BERLIN.lat, BERLIN.lng, 5);
    expect(found.map((m) => m.id)).toEqual(['near', 'mid']);
    expect(found[0]).toEqual({ id: 'near', distance: expect.any(Number), lat: expect.any(Number), lng: expect.any(Number), seenAt: expect.any(Number), meta: { name: 'Alex' } });
    expect(found[0].distance).toBeLessThan(found[1].distance);
    expect(found[0].lat).toBeCloseTo(52.5201, 5);
    expect(found[0].lng).toBeCloseTo(13.4051, 5);
    expect(Math.abs(found[0].seenAt - Date.now())).toBeLessThan(60_000); // Redis' clock, the same machine
    // Units: the same distance in metres and miles; the radius is in the unit too.
    const inMetres = await fleet.nearby(BERLIN.lat, BERLIN.lng, 5000, { unit: 'm' });
    expect(inMetres.map((m) => m.id)).toEqual(['near', 'mid']);
    expect(inMetres[1].distance / 1000).toBeCloseTo(found[1].distance, 2);
    const inMiles = await fleet.nearby(BERLIN.lat, BERLIN.lng, 400, { unit: 'mi' });
    expect(inMiles.map((m) => m.id)).toEqual(['near', 'mid', 'far']);
    expect(inMiles[2].distance * 1.609344).toBeCloseTo((await fleet.nearby(BERLIN.lat, BERLIN.lng, 600))[2].distance, 1);
    // limit keeps the nearest.
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1000, { limit: 2 })).map((m) => m.id)).toEqual(['near', 'mid']);
  });

  it('an update moves a member; meta is kept when left out, replaced when given, removed with null', async () => {
    const fleet = geo.collection<{ v: number }>('moves');
    await fleet.update('m', MUNICH.lat, MUNICH.lng, { v: 1 });
    await fleet.update('m', BERLIN.lat, BERLIN.lng);
    expect(await fleet.nearby(MUNICH.lat, MUNICH.lng, 10)).toEqual([]);
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1))[0]).toMatchObject({ id: 'm', meta: { v: 1 } });
    await fleet.update('m', BERLIN.lat, BERLIN.lng, { v: 2 });
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1))[0].meta).toEqual({ v: 2 });
    await fleet.update('m', BERLIN.lat, BERLIN.lng, null);
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1))[0]).not.toHaveProperty('meta');
    expect(await redis().hgetall(key('moves', 'meta'))).toEqual({});
  });

  it('collections are separate, and the default collection is one of them', async () => {
    await geo.collection('fleet-a').update('same-id', BERLIN.lat, BERLIN.lng);
    await geo.collection('fleet-b').update('same-id', MUNICH.lat, MUNICH.lng);
    await geo.update('same-id', 0, 0);
    expect((await geo.collection('fleet-a').nearby(BERLIN.lat, BERLIN.lng, 1)).map((m) => m.id)).toEqual(['same-id']);
    expect(await geo.collection('fleet-b').nearby(BERLIN.lat, BERLIN.lng, 1)).toEqual([]);
    expect((await other.nearby(0, 0, 1)).map((m) => m.id)).toEqual(['same-id']);
    expect(await geo.collection('default').remove('same-id')).toBe(true);
    expect(await geo.nearby(0, 0, 1)).toEqual([]);
    // Collection names are key parts: encoded, so they cannot reach another collection's keys.
    const sneaky = geo.collection('fleet-a}:pos');
    await sneaky.update('x', BERLIN.lat, BERLIN.lng);
    expect((await geo.collection('fleet-a').nearby(BERLIN.lat, BERLIN.lng, 1)).map((m) => m.id)).toEqual(['same-id']);
  });

  it('remove drops a member with its meta; true only when it was there', async () => {
    const fleet = geo.collection('removal');
    await fleet.update('gone', BERLIN.lat, BERLIN.lng, { a: 1 });
    expect(await fleet.remove('gone')).toBe(true);
    expect(await other.collection('removal').remove('gone')).toBe(false);
    expect(await fleet.nearby(BERLIN.lat, BERLIN.lng, 100)).toEqual([]);
    for (const part of ['pos', 'seen', 'meta']) expect(await redis().exists(key('removal', part))).toBe(0);
  });

  it('drops members not updated within the TTL, inside the scripts; members updated in time stay', async () => {
    const metrics = apps[0].get(MetricsService);
    const expiredBefore = counter(await metrics.text(), 'geo_expired_total');
    const fleet = geo.collection('ttl', { ttl: 400 });
    await fleet.update('stale', BERLIN.lat, BERLIN.lng, { x: 1 });
    await fleet.update('fresh', BERLIN.lat, BERLIN.lng);
    await sleep(250);
    await fleet.update('fresh', BERLIN.lat, BERLIN.lng);
    await sleep(250); // 'stale' last seen 500 ms ago, 'fresh' 250 ms ago
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1)).map((m) => m.id)).toEqual(['fresh']);
    // Gone from all three structures, not only filtered out.
    expect(await redis().zscore(key('ttl', 'seen'), 'stale')).toBeNull();
    expect(await redis().zscore(key('ttl', 'pos'), 'stale')).toBeNull();
    expect(await redis().hget(key('ttl', 'meta'), 'stale')).toBeNull();
    expect(counter(await metrics.text(), 'geo_expired_total')).toBe(expiredBefore + 1);
    // The collection's keys expire one TTL after its last update: nothing is left behind.
    const pttl = await redis().pttl(key('ttl', 'pos'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(400);
    await sleep(500);
    expect(await fleet.nearby(BERLIN.lat, BERLIN.lng, 1)).toEqual([]);
    expect(await redis().exists(key('ttl', 'pos'), key('ttl', 'seen'))).toBe(0);
  });

  it('a stale member the pruning had no room for is still never returned', async () => {
    const fleet = geo.collection('backlog', { ttl: 60_000 });
    await fleet.update('fresh', BERLIN.lat, BERLIN.lng);
    // 1500 members last seen long ago, written by hand: more than one call prunes.
    const old = Array.from({ length: 1500 }, (_, i) => `old-${i}`);
    await redis().geoadd(key('backlog', 'pos'), ...old.flatMap((id) => [BERLIN.lng, BERLIN.lat, id]));
    await redis().zadd(key('backlog', 'seen'), ...old.flatMap((id) => [1, id]));
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1, { limit: 1000 })).map((m) => m.id)).toEqual(['fresh']);
    expect(await redis().zcard(key('backlog', 'seen'))).toBe(501);
    expect((await fleet.nearby(BERLIN.lat, BERLIN.lng, 1)).map((m) => m.id)).toEqual(['fresh']);
    expect(await redis().zcard(key('backlog', 'seen'))).toBe(1);
  });

  it('any valid position is found again at its own point; any invalid one is refused (property)', async () => {
    const fleet = geo.collection('property', { ttl: 60_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()),
        async (lat, lng, id) => {
          await fleet.update(id, lat, lng);
          const found = await fleet.nearby(lat, lng, 1, { unit: 'm', limit: 1000 });
          expect(found.map((m) => m.id)).toContain(id);
          await fleet.remove(id);
        },
      ),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.double({ min: 85.0511288, max: 1e6, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity, -90, 90)),
        async (lat) => {
          expect(await argumentOf(() => fleet.update('p', lat, 0))).toBe('lat');
          expect(await argumentOf(() => fleet.update('p', -lat, 0))).toBe('lat');
          expect(await argumentOf(() => fleet.nearby(lat, 0, 1))).toBe('lat');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('rejects bad arguments with RediskitArgumentError naming them, before any Redis call', async () => {
    const fleet = geo.collection('args');
    const cases: [() => Promise<unknown>, string][] = [
      [() => fleet.update('x', 52, 181), 'lng'],
      [() => fleet.update('x', 52, -180.5), 'lng'],
      [() => fleet.update('x', '52' as never, 13), 'lat'],
      [() => fleet.update('x', 52, null as never), 'lng'],
      [() => fleet.update('', 52, 13), 'id'],
      [() => fleet.update('a\uD800', 52, 13), 'id'],
      [() => fleet.update('x'.repeat(513), 52, 13), 'id'],
      [() => fleet.update(7 as never, 52, 13), 'id'],
      [() => fleet.update('x', 52, 13, { blob: 'x'.repeat(5000) }), 'meta'],
      [() => fleet.remove(''), 'id'],
      [() => fleet.nearby(52, 13, 0), 'radius'],
      [() => fleet.nearby(52, 13, -1), 'radius'],
      [() => fleet.nearby(52, 13, Infinity), 'radius'],
      [() => fleet.nearby(52, 13, 30_000), 'radius'],
      [() => fleet.nearby(52, 13, 20_000, { unit: 'mi' }), 'radius'],
      [() => fleet.nearby(52, 13, 1, { unit: 'yd' as never }), 'unit'],
      [() => fleet.nearby(52, 13, 1, { limit: 0 }), 'limit'],
      [() => fleet.nearby(52, 13, 1, { limit: 1.5 }), 'limit'],
      [() => fleet.nearby(52, 13, 1, { limit: 1001 }), 'limit'],
    ];
    for (const [call, argument] of cases) expect([argument, await argumentOf(call)]).toEqual([argument, argument]);
    expect(() => geo.collection('')).toThrow(expect.objectContaining({ argument: 'collection' }) as never);
    expect(() => geo.collection('x\uDC00')).toThrow(expect.objectContaining({ argument: 'collection' }) as never);
    expect(() => geo.collection('x', { ttl: 0 })).toThrow(expect.objectContaining({ argument: 'ttl' }) as never);
    // Meta that the codec cannot encode is the codec's typed error.
    expect(await fleet.update('x', 52, 13, { f: () => 1 } as never).catch((e: unknown) => (e as RediskitError).code)).toBe('SERIALIZATION');
    expect(await redis().exists(key('args', 'pos'))).toBe(0);
    // Ids are members, not keys: any well-formed text is fine, the poles are not.
    await fleet.update('a:b*c{d}', 85.05, 180);
    expect((await fleet.nearby(85.05, 180, 1)).map((m) => m.id)).toEqual(['a:b*c{d}']);
  });

  it('meta that does not decode is left out, not a failed search, and counted', async () => {
    const metrics = apps[0].get(MetricsService);
    const before = counter(await metrics.text(), 'geo_undecodable_meta_total');
    const fleet = geo.collection('hostile');
    await fleet.update('h', BERLIN.lat, BERLIN.lng, { ok: true });
    await redis().hset(key('hostile', 'meta'), 'h', Buffer.from([0x01, 0xff, 0x00]));
    const [member] = await fleet.nearby(BERLIN.lat, BERLIN.lng, 1);
    expect(member.id).toBe('h');
    expect(member).not.toHaveProperty('meta');
    expect(counter(await metrics.text(), 'geo_undecodable_meta_total')).toBe(before + 1);
  });

  it('counts operations by name', async () => {
    const metrics = apps[1].get(MetricsService);
    const value = async (operation: string) => counter(await metrics.text(), 'geo_operations_total', `operation="${operation}"`);
    const before = { update: await value('update'), nearby: await value('nearby'), remove: await value('remove') };
    const fleet = other.collection('counted');
    await fleet.update('c', 1, 1);
    await fleet.nearby(1, 1, 1);
    await fleet.remove('c');
    await fleet.update('', 1, 1).catch(() => undefined); // an argument error is not an operation
    expect({ update: await value('update'), nearby: await value('nearby'), remove: await value('remove') }).toEqual({
      update: before.update + 1,
      nearby: before.nearby + 1,
      remove: before.remove + 1,
    });
  });

  it('rejects invalid geo options at boot, listing every bad field', async () => {
    const error = await bootApp({ connection: topology.connection(), geo: { ttl: 0, maxResults: 0, maxMetaSize: 1.5, commandTimeout: 'soon', connection: 'nope' } as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RediskitConfigError);
    expect((error as RediskitConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('geo.ttl'),
        expect.stringContaining('geo.maxResults'),
        expect.stringContaining('geo.maxMetaSize'),
        expect.stringContaining('geo.commandTimeout'),
      ]),
    );
    await expect(bootApp({ connection: topology.connection(), geo: { connection: 'nope' } })).rejects.toThrow(/geo.connection: "nope" is not a configured connection/);
  });

  // Last: they freeze Redis.
  it('while Redis hangs, every call settles within its budget with a RediskitError; a late update changes nothing', async () => {
    const app = await bootApp({
      connection: { ...topology.connection(), commandTimeout: 2000 } as never,
      keyspace: { prefix },
      circuitBreaker: { failureThreshold: 50, recoveryTimeout: 100 },
      geo: { commandTimeout: BUDGET },
    });
    try {
      const fleet = app.get(GeoService).collection('hung');
      await fleet.update('before', BERLIN.lat, BERLIN.lng);
      topology.hang();
      try {
        for (const call of [fleet.update('late', BERLIN.lat, BERLIN.lng), fleet.nearby(BERLIN.lat, BERLIN.lng, 1), fleet.remove('before')]) {
          expect(await rediskitErrorOf(call)).toBeInstanceOf(RediskitError);
        }
      } finally {
        topology.wake();
      }
      // The commands were on the socket and ran when Redis woke, past their deadline: no effect.
      let found: GeoMember[] | undefined;
      await waitFor(async () => !!(found = await fleet.nearby(BERLIN.lat, BERLIN.lng, 1).catch(() => undefined)), 20_000, 'Redis to answer again');
      expect(found!.map((m) => m.id)).toEqual(['before']);
    } finally {
      await app.close();
    }
  });

  it('with the circuit open, calls fail at once with a RediskitError and never reach Redis', async () => {
    const breaker = apps[0].get(RedisRegistry).get().breaker;
    breaker.open();
    try {
      expect((await rediskitErrorOf(geo.update('x', 1, 1))).code).toBe('CIRCUIT_OPEN');
      expect((await rediskitErrorOf(geo.nearby(1, 1, 1))).code).toBe('CIRCUIT_OPEN');
    } finally {
      breaker.close();
    }
    expect(await geo.nearby(1, 1, 1)).toEqual([]);
  });
}
