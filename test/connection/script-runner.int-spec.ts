import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineScript } from 'nestjs-rediskit';
import { RedisConnection } from '../internals.js';
import { RedisClusterFixture, RedisServer } from '../harness/index.js';

// Regression: scripts first called in the same tick as other auto-pipelined commands. ioredis
// copies commands into an auto-pipeline when it is created; a script defined afterwards was
// missing from it ("pipeline[functionName] is not a function", then an uncaught TypeError).
const first = defineScript('test_runner_first', 1, "return redis.call('INCR', KEYS[1])");
const second = defineScript('test_runner_second', 1, "return {redis.call('GET', KEYS[1]), 'b'}");
const third = defineScript('test_runner_third', 1, "return redis.call('EXISTS', KEYS[1])");

describe.each(['standalone', 'cluster'] as const)('ScriptRunner on %s: scripts first used in one tick', (topology) => {
  let server: RedisServer | undefined;
  let cluster: RedisClusterFixture | undefined;
  let connection: RedisConnection;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    if (topology === 'standalone') {
      server = await RedisServer.start();
      connection = new RedisConnection('scripts', { url: server.url }, {});
    } else {
      cluster = await RedisClusterFixture.start();
      connection = new RedisConnection('scripts', { cluster: { nodes: cluster.addresses } }, {});
    }
    await connection.connect(10_000);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await connection?.close();
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  it('answers every call, Buffer variants included, with nothing thrown outside', async () => {
    const key = '{t}:k';
    const results = await Promise.all([
      connection.run((r) => r.set(key, '41')),
      connection.script<number>(first, [key]),
      connection.scriptBuffer<Buffer[]>(second, [key]),
      connection.script<number>(third, [key]),
    ]);
    expect(results[1]).toBe(42);
    expect(results[2].map(String)).toEqual(['42', 'b']);
    expect(results[3]).toBe(1);
    await new Promise((r) => setTimeout(r, 50)); // replies are dispatched on later ticks
    expect(uncaught).toEqual([]);
  });
});
