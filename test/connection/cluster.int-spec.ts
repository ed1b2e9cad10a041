import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import calculateSlot from 'cluster-key-slot';
import { Codec, defineScript, Keyspace, RedisModule, RedisRegistry, RediskitArgumentError } from 'nestjs-rediskit';
import { scanKeys, unlinkMatching } from '../internals.js';
import { RedisClusterFixture } from '../harness/index.js';

describe('RedisModule on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  let app: INestApplication;

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { cluster: { nodes: cluster.addresses } }, keyspace: { prefix: 'ct' } })],
    }).compile();
    app = await moduleRef.createNestApplication().init();
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('runs commands and codec round-trips across slots', async () => {
    const { client, isCluster } = app.get(RedisRegistry).get();
    const keyspace = app.get(Keyspace);
    const codec = app.get(Codec);
    expect(isCluster).toBe(true);
    const keys = Array.from({ length: 50 }, (_, i) => keyspace.key('c', `k${i}`));
    expect(new Set(keys.map((k) => calculateSlot(k))).size).toBeGreaterThan(10);
    await Promise.all(keys.map((k, i) => client.set(k, codec.encode({ i, at: new Date(i) }, k))));
    const values = await Promise.all(keys.map(async (k) => codec.decode(await client.getBuffer(k), k)));
    expect(values).toEqual(keys.map((_, i) => ({ i, at: new Date(i) })));
  });

  it('runs multi-key scripts on slotted keys and refuses keys from two slots', async () => {
    const connection = app.get(RedisRegistry).get();
    const keyspace = app.get(Keyspace);
    const swap = defineScript('test_copy', 2, `redis.call('SET', KEYS[2], redis.call('GET', KEYS[1])) return 1`);
    const a = keyspace.slotted('s', 'order:1', 'a');
    const b = keyspace.slotted('s', 'order:1', 'b');
    await connection.client.set(a, 'v');
    expect(await connection.script(swap, [a, b])).toBe(1);
    expect(await connection.client.get(b)).toBe('v');
    expect(() => connection.script(swap, [keyspace.key('s', 'x'), keyspace.key('s', 'y')])).toThrow(RediskitArgumentError);
  });

  it('scans and unlinks by pattern on every master, never KEYS', async () => {
    const connection = app.get(RedisRegistry).get();
    const keyspace = app.get(Keyspace);
    await Promise.all(Array.from({ length: 300 }, (_, i) => connection.client.set(keyspace.key('scan', i), '1')));
    await connection.client.set(keyspace.key('other', 1), '1');
    let seen = 0;
    for await (const batch of scanKeys(connection, keyspace.pattern('scan'), 50)) seen += batch.length;
    expect(seen).toBe(300);
    expect(await unlinkMatching(connection, keyspace.pattern('scan'))).toBe(300);
    expect(await connection.client.exists(keyspace.key('other', 1))).toBe(1);
  });

  // Through RedisConnection.run: ioredis auto-pipelining alone surfaces ASK replies here.
  it('loses no command while a slot migrates under traffic (ASK / MOVED)', async () => {
    const connection = app.get(RedisRegistry).get();
    const tag = 'migrating';
    const keys = Array.from({ length: 200 }, (_, i) => `{${tag}}:${i}`);
    const slot = calculateSlot(keys[0]);
    await Promise.all(keys.map((k) => connection.client.set(k, '0')));
    const source = await cluster.ownerOf(slot);
    const target = cluster.nodes.find((n) => n !== source)!;

    let failures = 0;
    let ops = 0;
    let running = true;
    const traffic = (async () => {
      while (running) {
        await Promise.all(
          keys.slice(0, 40).map((k) =>
            connection.run((client) => client.incr(k)).then(
              () => ops++,
              () => failures++,
            ),
          ),
        );
      }
    })();
    await cluster.migrateSlot(slot, target, 20);
    await new Promise((r) => setTimeout(r, 200));
    running = false;
    await traffic;

    expect(await cluster.ownerOf(slot)).toBe(target);
    expect(failures).toBe(0);
    expect(ops).toBeGreaterThan(100);
    const total = (await Promise.all(keys.slice(0, 40).map((k) => connection.client.get(k)))).reduce((s, v) => s + Number(v), 0);
    expect(total).toBe(ops);
  });
});
