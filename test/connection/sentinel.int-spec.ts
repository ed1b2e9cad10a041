import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RedisModule, RedisRegistry } from 'nestjs-rediskit';
import { MASTER_NAME, SentinelFixture, waitFor } from '../harness/index.js';

describe('RedisModule through Sentinel', () => {
  let group: SentinelFixture;
  let app: INestApplication;

  beforeAll(async () => {
    group = await SentinelFixture.start();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { sentinels: group.addresses, name: MASTER_NAME, commandTimeout: 1000 } })],
    }).compile();
    app = await moduleRef.createNestApplication().init();
  });
  afterAll(async () => {
    await app?.close();
    await group?.stop();
  });

  it('connects to the master the sentinels report', async () => {
    const { client } = app.get(RedisRegistry).get();
    await client.set('where', 'master');
    expect(await group.master.cli('GET', 'where')).toBe('master');
    expect((await client.info('replication')).includes('role:master')).toBe(true);
  });

  it('commands succeed again after the master is killed, on the promoted replica', async () => {
    const { client } = app.get(RedisRegistry).get();
    // The master the sentinels report now (under load they may already have failed over once).
    await group.waitDiscovered();
    const port = await group.masterPort();
    const master = [group.master, group.replica].find((s) => s.port === port)!;
    await waitFor(async () => (await client.set('before', '1')) === 'OK', 5_000, 'a write on the master', 50);
    await master.kill();
    await waitFor(async () => (await group.masterPort()) !== port, 15_000, 'the sentinels to promote the replica', 100);
    await waitFor(async () => (await client.set('after', '1')) === 'OK' && (await client.get('after')) === '1', 15_000, 'writes on the new master', 200);
    expect(await group.masterPort()).not.toBe(port);
  });
});
