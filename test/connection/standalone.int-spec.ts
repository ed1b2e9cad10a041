import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import {
  Codec,
  InjectRedis,
  Keyspace,
  RedisModule,
  RedisRegistry,
  RediskitConfigError,
  RediskitConnectionError,
  defineScript,
  redisOptionsFromEnv,
} from 'nestjs-rediskit';
import { freePort, RedisServer } from '../harness/index.js';

@Injectable()
class UsesClients {
  constructor(
    @InjectRedis() readonly main: Redis,
    @InjectRedis('reports') readonly reports: Redis,
  ) {}
}

describe('RedisModule on a standalone server', () => {
  let server: RedisServer;
  let other: RedisServer;

  beforeAll(async () => {
    [server, other] = await Promise.all([RedisServer.start(), RedisServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), other?.stop()]);
  });

  it('forRoot wires clients, named connections, Keyspace and Codec', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisModule.forRoot({
          connection: { url: server.url },
          connections: { reports: { host: '127.0.0.1', port: other.port } },
          keyspace: { prefix: 'shop', app: 'api', env: 'test' },
        }),
      ],
      providers: [UsesClients],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const clients = app.get(UsesClients);
    await clients.main.set('a', '1');
    await clients.reports.set('a', '2');
    expect(await server.cli('GET', 'a')).toBe('1');
    expect(await other.cli('GET', 'a')).toBe('2');
    expect(app.get(Keyspace).key('cache', 'x:y')).toBe('shop:api:test:cache:x%3Ay');
    expect(app.get(Codec)).toBeInstanceOf(Codec);
    await app.close();
    expect(clients.main.status).toBe('end');
    expect(clients.reports.status).toBe('end');
  });

  it('forRootAsync reads its options from ConfigModule', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ REDIS_URL: server.url, REDIS_KEY_PREFIX: 'cfg', NODE_ENV: 'test' })] }),
        RedisModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            redisOptionsFromEnv({ REDIS_URL: config.get('REDIS_URL'), REDIS_KEY_PREFIX: config.get('REDIS_KEY_PREFIX'), NODE_ENV: config.get('NODE_ENV') }),
        }),
      ],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    const registry = app.get(RedisRegistry);
    expect(await registry.get().client.ping()).toBe('PONG');
    expect(app.get(Keyspace).key('f', 1)).toBe('cfg:test:f:1');
    await app.close();
  });

  it('forRootAsync accepts useClass', async () => {
    @Injectable()
    class RedisConfig {
      create() {
        return { connection: { url: server.url } };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRootAsync({ useClass: RedisConfig, isGlobal: false })],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    expect(await app.get(RedisRegistry).get().client.ping()).toBe('PONG');
    await app.close();
  });

  it('invalid options fail at boot listing every bad field', async () => {
    const boot = Test.createTestingModule({
      imports: [
        RedisModule.forRoot({
          connection: { host: '', port: 70000 },
          keyspace: { prefix: 'a:b' },
          circuitBreaker: { failureThreshold: 0 },
          codec: { serializer: 'yaml' as never },
        }),
      ],
    }).compile();
    const error = (await boot.catch((e: unknown) => e)) as RediskitConfigError;
    expect(error).toBeInstanceOf(RediskitConfigError);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('connection.host'),
        expect.stringContaining('connection.port'),
        expect.stringContaining('keyspace.prefix'),
        expect.stringContaining('circuitBreaker.failureThreshold'),
        expect.stringContaining('codec.serializer'),
      ]),
    );
  });

  it('an unreachable host fails boot within the timeout, naming host:port and cause', async () => {
    const port = await freePort();
    const started = Date.now();
    const boot = Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { host: '127.0.0.1', port }, readyTimeout: 1000 })],
    }).compile();
    const error = (await boot.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RediskitConnectionError);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('recovers after a Redis restart', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url, commandTimeout: 2000 } })],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    const client = app.get(RedisRegistry).get().client;
    await client.set('k', 'before');
    await server.restart();
    // Commands queued while reconnecting go out once the server is back.
    let value: string | null = null;
    for (let i = 0; i < 50 && value !== 'after'; i++) {
      value = await client.set('k', 'after').then(() => client.get('k')).catch(() => null);
    }
    expect(value).toBe('after');
    await app.close();
  });

  it('runs Lua scripts by EVALSHA and survives SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
    const incrBy = defineScript('test_incr_by', 1, `return redis.call('INCRBY', KEYS[1], ARGV[1])`);
    const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot({ connection: { url: server.url } })] }).compile();
    const app = await moduleRef.createNestApplication().init();
    const connection = app.get(RedisRegistry).get();
    await connection.client.del('counter');
    expect(await connection.script(incrBy, ['counter'], [2])).toBe(2);
    await server.cli('SCRIPT', 'FLUSH');
    expect(await connection.script(incrBy, ['counter'], [3])).toBe(5);
    await app.close();
  });

  it('round-trips every codec type through Redis', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url }, codec: { compression: { algorithm: 'gzip', threshold: 64 } } })],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    const codec = app.get(Codec);
    const client = app.get(RedisRegistry).get().client;
    const value = { at: new Date(1_700_000_000_000), n: 2n ** 70n, m: new Map([['a', 1]]), s: new Set([1, 2]), b: Buffer.from('hi'), text: 'x'.repeat(500) };
    await client.set('typed', codec.encode(value, 'typed'));
    const raw = await client.getBuffer('typed');
    expect(raw!.length).toBeLessThan(200); // compressed
    expect(codec.decode(raw, 'typed')).toEqual(value);
    await app.close();
  });
});

describe('a hung Redis (SIGSTOP)', () => {
  it('fails waiting commands after commandTimeout, then recovers when the server resumes', async () => {
    const server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url, commandTimeout: 300, maxRetriesPerRequest: 1 } })],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    const client = app.get(RedisRegistry).get().client;
    try {
      await client.set('k', 'v');
      server.pause();
      // The socket is declared dead: the command in flight fails instead of hanging, and so
      // does one queued while reconnecting (the hung server accepts TCP but never gets ready).
      await expect(client.get('k')).rejects.toThrow();
      await expect(client.get('k')).rejects.toThrow();
      server.resume();
      let value: string | null = null;
      for (let i = 0; i < 50 && value !== 'v'; i++) value = await client.get('k').catch(() => null);
      expect(value).toBe('v');
    } finally {
      server.resume();
      await app.close();
      await server.stop();
    }
  });
});
