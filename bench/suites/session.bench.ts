import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { createClient } from 'redis';
import { Codec, Keyspace, MetricsService, SessionService } from 'nestjs-rediskit';
import { RedisConnection } from '../../test/internals.js';
import { RediskitSessionStore } from 'nestjs-rediskit/express-session';
import { benchRedis, compare, ratio, report } from '../harness.js';

const SESSIONS = 1000;
const DATA = { user: { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'] }, csrf: 'c'.repeat(32), locale: 'en-GB' };

/**
 * What one authenticated request costs: connect-redis (with the `redis` client it requires)
 * does GET + EXPIRE, as express-session calls `get` then `touch`. Against it:
 * - RediskitSessionStore under the same express-session calls (GET + PEXPIRE);
 * - SessionService.touch, what SessionGuard runs per request: one script that reads the
 *   session and extends its idle timeout at most once per touchInterval;
 * - SessionService.get then .touch as two calls.
 * Same process, same Redis, 1000 sessions, 100 concurrent callers.
 */
export default async function sessionBench(): Promise<void> {
  const redis = await benchRedis();
  const client = createClient({ url: redis.url });
  await client.connect();
  const peer = new RedisStore({ client, prefix: 'bench:cr:' });

  const connection = new RedisConnection('bench', { url: redis.url }, {});
  await connection.connect(5000);
  const keyspace = new Keyspace({ prefix: 'bench' });
  const metrics = await MetricsService.create();
  const service = new SessionService(connection, { ttl: '30m' }, { keyspace, codec: new Codec(), metrics });
  const store = new RediskitSessionStore(connection, {}, keyspace);

  const cookie = { originalMaxAge: 1_800_000, expires: new Date(Date.now() + 1_800_000), httpOnly: true, path: '/' };
  const sids = Array.from({ length: SESSIONS }, (_, i) => `sid-${i}-${'x'.repeat(24)}`);
  await Promise.all(sids.map((sid) => peer.set(sid, { cookie, ...DATA } as unknown as SessionData)));
  await Promise.all(sids.map((sid) => store.set(sid, { cookie, ...DATA } as unknown as SessionData)));
  const tokens = await Promise.all(sids.map((_, i) => service.create(`user-${i}`, DATA).then((c) => c.token)));

  let n = 0;
  const next = () => (n = (n + 1) % SESSIONS);
  const contenders: Record<string, () => Promise<unknown>> = {
    'connect-redis get + touch': async () => {
      const sid = sids[next()];
      const session = await peer.get(sid);
      await peer.touch(sid, session as SessionData);
    },
    'RediskitSessionStore get + touch': async () => {
      const sid = sids[next()];
      const session = await store.get(sid);
      await store.touch(sid, session as SessionData);
    },
    'SessionService.touch (guard path)': async () => {
      if (!(await service.touch(tokens[next()]))) throw new Error('session lost');
    },
    'SessionService.get + touch': async () => {
      const token = tokens[next()];
      await service.get(token);
      await service.touch(token);
    },
  };
  const results = await compare(contenders);
  report('session: get + touch per request, 100 concurrent callers', results, 'connect-redis get + touch', {
    'RediskitSessionStore get + touch': '≥ 1.0×',
    'SessionService.touch (guard path)': '≥ 1.0×',
  });
  console.log(`guard path / connect-redis: ${ratio(results, 'SessionService.touch (guard path)', 'connect-redis get + touch').toFixed(2)}×\n`);

  // Throughput swings with whatever else runs on the machine; CPU time per request does not.
  const cpu = await cpuPerOp(connection, {
    'connect-redis get + touch': contenders['connect-redis get + touch'],
    'SessionService.touch (guard path)': contenders['SessionService.touch (guard path)'],
    'RediskitSessionStore get + touch': contenders['RediskitSessionStore get + touch'],
  });
  console.log('| contender | node CPU µs/request | Redis CPU µs/request |\n|---|---:|---:|');
  for (const [name, c] of Object.entries(cpu)) console.log(`| ${name} | ${c.node.toFixed(1)} | ${c.redis.toFixed(1)} |`);
  console.log('');

  client.destroy();
  await connection.close();
  await redis.stop();
}

/** CPU time per call in this process and in Redis (INFO cpu), 100 concurrent callers, best of 3. */
async function cpuPerOp(connection: RedisConnection, contenders: Record<string, () => Promise<unknown>>): Promise<Record<string, { node: number; redis: number }>> {
  const redisCpu = async () => {
    const info = await connection.client.info('cpu');
    return (Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])) * 1e6;
  };
  const ops = 20_000;
  const best: Record<string, { node: number; redis: number }> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      let started = 0;
      const redisBefore = await redisCpu();
      const before = process.cpuUsage();
      await Promise.all(Array.from({ length: 100 }, async () => {
        while (started++ < ops) await fn();
      }));
      const used = process.cpuUsage(before);
      const node = (used.user + used.system) / ops;
      const redis = ((await redisCpu()) - redisBefore) / ops;
      best[name] = { node: Math.min(node, best[name]?.node ?? Infinity), redis: Math.min(redis, best[name]?.redis ?? Infinity) };
    }
  }
  return best;
}
