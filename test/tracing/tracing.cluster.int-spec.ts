import { afterAll, beforeAll, describe } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RedisModule } from 'nestjs-rediskit';
import { RedisClusterFixture } from '../harness/index.js';
import { SpanRecorder } from './span-recorder.js';
import { cacheSpanBehaviour, lockSpanBehaviour } from './tracing-behaviour.js';

describe('OpenTelemetry spans on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  let spans: SpanRecorder;
  let app: INestApplication;

  beforeAll(async () => {
    spans = SpanRecorder.register();
    cluster = await RedisClusterFixture.start();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { cluster: { nodes: cluster.addresses } }, keyspace: { prefix: 'tc' }, cache: {} })],
    }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
    await spans?.unregister();
  });

  cacheSpanBehaviour(() => ({ app, spans }));
  lockSpanBehaviour(() => ({ app, spans }));
});
