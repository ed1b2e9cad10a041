import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RedisModuleOptions } from 'nestjs-rediskit';
import { RedisClusterFixture, RedisServer, sleep } from '../harness/index.js';
import { exited, spawnTracked } from '../harness/processes.js';

const APP = fileURLToPath(new URL('./fixtures/throttler-app.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the @nestjs/throttler app in its own Node process; resolves with its URL. */
async function startApp(options: RedisModuleOptions): Promise<{ url: string; child: ChildProcess }> {
  const child = spawnTracked(process.execPath, ['--import', '@swc-node/register/esm-register', APP, JSON.stringify(options)], ROOT);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`throttler app did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      const m = /READY (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`throttler app exited (${code}):\n${output}`));
    });
  });
  return { url, child };
}

async function stopApp(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited(child);
  clearTimeout(hard);
}

const get = async (url: string) => {
  const res = await fetch(url);
  await res.text();
  return { status: res.status, header: (name: string) => res.headers.get(name) };
};

describe.each(['standalone', 'cluster'] as const)("RediskitThrottlerStorage driving @nestjs/throttler's ThrottlerGuard (%s)", (topology) => {
  let server: RedisServer | undefined;
  let cluster: RedisClusterFixture | undefined;
  let apps: { url: string; child: ChildProcess }[] = [];

  beforeAll(async () => {
    let connection: RedisModuleOptions['connection'];
    if (topology === 'cluster') {
      cluster = await RedisClusterFixture.start();
      connection = { cluster: { nodes: cluster.addresses } };
    } else {
      server = await RedisServer.start();
      connection = { url: server.url };
    }
    // Two instances of the app share their limits through Redis.
    apps = await Promise.all([0, 1].map(() => startApp({ connection, keyspace: { prefix: 'thr' } })));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => stopApp(a.child)));
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  it('counts hits across instances and blocks past the limit (ttl in ms in, seconds out)', async () => {
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await get(`${apps[i % 2].url}/hello`));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(responses.slice(0, 3).map((r) => r.header('x-ratelimit-remaining'))).toEqual(['2', '1', '0']);
    expect(responses[0].header('x-ratelimit-reset')).toBe('60');
    expect(responses[3].header('retry-after')).toBe('60');
  });

  it('honours a route blockDuration and admits again when the block ends', async () => {
    expect((await get(`${apps[0].url}/short`)).status).toBe(200);
    const refused = await get(`${apps[1].url}/short`);
    expect(refused.status).toBe(429);
    expect(refused.header('retry-after')).toBe('2'); // blockDuration 1500 ms, rounded up to seconds
    await sleep(1600);
    expect((await get(`${apps[1].url}/short`)).status).toBe(200);
  });
});
