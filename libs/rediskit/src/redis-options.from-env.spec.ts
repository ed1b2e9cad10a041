import { describe, expect, it } from '@jest/globals';
import { RediskitConfigError } from './errors.js';
import { redisOptionsFromEnv } from './redis-options.from-env.js';

describe('redisOptionsFromEnv', () => {
  it('reads a standalone server with NODE_ENV defaults', () => {
    const o = redisOptionsFromEnv({ NODE_ENV: 'production', REDIS_HOST: 'db', REDIS_PORT: '6380', REDIS_PASSWORD: 's3cret', REDIS_TLS: 'true' });
    expect(o.connection).toEqual({ host: 'db', port: 6380, password: 's3cret', tls: true, connectTimeout: 10000, commandTimeout: 1000, maxRetriesPerRequest: 2, keepAlive: 30000 });
    expect(o.keyspace).toEqual({ prefix: 'rk', env: 'production' });
    expect(o.cache).toEqual({ defaultTtl: '5m' });
    expect(o.session).toEqual({ ttl: '30m', maxPerUser: 5 });
  });

  it('prefers REDIS_URL and reads timeouts as ms or durations', () => {
    const o = redisOptionsFromEnv({ NODE_ENV: 'test', REDIS_URL: 'redis://x:1', REDIS_COMMAND_TIMEOUT: '250', REDIS_CONNECT_TIMEOUT: '3s', REDIS_KEY_PREFIX: 'shop', SESSION_TTL: '15m', MAX_SESSIONS_PER_USER: '3' });
    expect(o.connection).toMatchObject({ url: 'redis://x:1', commandTimeout: 250, connectTimeout: '3s' });
    expect(o.keyspace?.prefix).toBe('shop');
    expect(o.session).toEqual({ ttl: '15m', maxPerUser: 3 });
  });

  it('reads cluster nodes and sentinels as host:port lists or JSON', () => {
    expect(redisOptionsFromEnv({ REDIS_CLUSTER_NODES: 'a:7000,b:7001' }).connection).toMatchObject({ cluster: { nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] } });
    const s = redisOptionsFromEnv({ REDIS_SENTINELS: '[{"host":"s1","port":26379}]', REDIS_SENTINEL_NAME: 'mymaster' }).connection;
    expect(s).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster' });
  });

  // Malformed REDIS_SENTINELS falls back to host/port, so REDIS_PORT is read and reported too.
  it('lists every malformed variable in one error', () => {
    let error: RediskitConfigError | undefined;
    try {
      redisOptionsFromEnv({ REDIS_PORT: 'abc', REDIS_TLS: 'maybe', REDIS_COMMAND_TIMEOUT: 'soon', REDIS_SENTINELS: 's1', MAX_SESSIONS_PER_USER: '0' });
    } catch (e) {
      error = e as RediskitConfigError;
    }
    expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual(['MAX_SESSIONS_PER_USER', 'REDIS_COMMAND_TIMEOUT', 'REDIS_PORT', 'REDIS_SENTINELS', 'REDIS_TLS']);
  });
});
