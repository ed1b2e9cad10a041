import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { redisServerInstalled, ThrowawayRedis } from './throwaway-redis.js';

/**
 * `npm run demo`. With no Redis configured (REDIS_URL, REDIS_HOST/PORT, REDIS_CLUSTER_NODES,
 * REDIS_SENTINELS all unset) it starts a throwaway redis-server from PATH and stops it when
 * the demo stops (Ctrl-C, SIGTERM, SIGHUP, or a failed start).
 */
const env = { ...process.env };
const configured = ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'].some((name) => env[name]);
let redis: ThrowawayRedis | undefined;
let app: INestApplication | undefined;

if (!configured) {
  if (!redisServerInstalled()) {
    console.error(
      [
        'The demo needs Redis. Either set REDIS_URL to a running server, or install redis-server so the',
        'demo can start a throwaway one:',
        '  Debian/Ubuntu:  sudo apt-get install redis-server',
        '  macOS:          brew install redis',
        '  Fedora:         sudo dnf install redis',
        '  Docker:         docker run -p 6379:6379 redis  (then REDIS_URL=redis://localhost:6379 npm run demo)',
      ].join('\n'),
    );
    process.exit(1);
  }
  redis = await ThrowawayRedis.start();
  env.REDIS_URL = redis.url;
  console.log(`Started a throwaway redis-server (pid ${redis.pid}) on ${redis.url}; it stops with the demo.`);
  redis.onUnexpectedExit((code, signal) =>
    console.error(`The throwaway redis-server exited (${signal ?? `code ${code}`}); the demo keeps running and shows each feature's failure policy.`),
  );
}

let shuttingDown = false;
async function shutdown(exitCode: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    const closing = app?.close().catch((error: Error) => console.error(`Closing the app failed: ${error.message}`));
    // Do not hang on a stuck close: the throwaway server must go either way.
    await Promise.race([closing, new Promise((r) => setTimeout(r, 5000).unref())]);
    await redis?.stop();
    if (redis) console.log('Stopped the throwaway redis-server.');
    process.exit(exitCode);
  }
  return new Promise<never>(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

try {
  const { bootstrap } = await import('./main.js');
  app = await bootstrap(env, { shutdownHooks: false });
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await shutdown(1);
}
