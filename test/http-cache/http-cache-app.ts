import {
  Controller,
  Get,
  Headers,
  InternalServerErrorException,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
  UseInterceptors,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  CacheResponse,
  HttpCacheService,
  InvalidateTags,
  MetricsService,
  NoCache,
  RedisModule,
  RedisRegistry,
  ResponseCacheInterceptor,
  type HttpCacheOptions,
  type RedisConnectionOptions,
} from 'nestjs-rediskit';

export type AdapterName = 'express' | 'fastify';

/** How many times each handler ran. */
export const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Controller()
export class ProductController {
  @CacheResponse({ tags: ['products'] })
  @Get('products')
  list(@Query('page') page = '1') {
    return { page, n: count('list') };
  }

  @CacheResponse({ ttl: '1m', tags: ['product:{id}'] })
  @Get('products/:id')
  one(@Param('id') id: string) {
    return { id, n: count(`one:${id}`) };
  }

  @InvalidateTags('product:{id}')
  @Post('products/:id')
  update(@Param('id') id: string) {
    count(`update:${id}`);
    return { updated: id };
  }

  @InvalidateTags('products')
  @Post('products/:id/fail')
  updateFails() {
    throw new InternalServerErrorException('no');
  }

  @CacheResponse({ varyBy: ['Accept-Language'] })
  @Get('greeting')
  greet(@Headers('accept-language') lang?: string) {
    return { text: lang === 'fr' ? 'bonjour' : 'hello', n: count('greet') };
  }

  @CacheResponse({ private: true, maxAge: '30s' })
  @Get('me')
  me(@Headers('x-user') user?: string) {
    return { user: user ?? null, n: count('me') };
  }

  @CacheResponse()
  @Get('static')
  static() {
    count('static');
    return { hello: 'world' };
  }

  @CacheResponse()
  @Get('text')
  text() {
    count('text');
    return 'plain text';
  }

  @CacheResponse()
  @Get('bytes')
  bytes() {
    count('bytes');
    return Buffer.from([0, 1, 2, 255]);
  }

  @CacheResponse()
  @Get('cookie')
  cookie(@Res({ passthrough: true }) res: any) {
    const n = count('cookie');
    if (typeof res.setHeader === 'function') res.setHeader('Set-Cookie', `seen=${n}`);
    else res.header('set-cookie', `seen=${n}`);
    return { n };
  }

  @CacheResponse()
  @Get('boom')
  boom() {
    count('boom');
    throw new InternalServerErrorException('boom');
  }

  @CacheResponse()
  @Get('unavailable')
  unavailable(@Res({ passthrough: true }) res: any) {
    res.status(503);
    return { n: count('unavailable') };
  }

  @CacheResponse()
  @Get('slow')
  async slow(@Query('k') k: string) {
    count(`slow:${k}`);
    await sleep(150);
    return { k, at: Date.now() };
  }

  @CacheResponse()
  @Get('stream')
  stream() {
    count('stream');
    return new StreamableFile(Buffer.from('streamed'));
  }

  @CacheResponse()
  @Get('raw')
  raw(@Res() res: any) {
    const n = count('raw');
    if (typeof res.code === 'function') res.code(200).send({ n });
    else res.json({ n });
  }

  @CacheResponse({ ttl: 200, staleWhileRevalidate: '30s' })
  @Get('swr')
  swr() {
    return { n: count('swr') };
  }

  @CacheResponse({ condition: (req: any) => req.headers['x-skip'] === undefined })
  @Get('conditional')
  conditional() {
    return { n: count('conditional') };
  }

  @CacheResponse({ key: (req: any) => `custom:${String(req.url).length}` })
  @Get('custom-key/:id')
  customKey(@Param('id') id: string) {
    return { id, n: count('custom') };
  }

  @CacheResponse()
  @Get('localized')
  localized(@Res({ passthrough: true }) res: any) {
    if (typeof res.setHeader === 'function') res.setHeader('Content-Language', 'fr');
    else res.header('Content-Language', 'fr');
    return { n: count('localized') };
  }

  @Get('plain')
  plain() {
    return { n: count('plain') };
  }
}

/**
 * Every GET route of this controller is cached: the interceptor is applied to it directly.
 * Class-level tags and invalidation: each mutating route purges what its GET routes cached.
 */
@Controller('direct')
@UseInterceptors(ResponseCacheInterceptor)
@CacheResponse({ tags: ['direct'] })
@InvalidateTags('direct')
export class DirectController {
  @Get('a')
  a() {
    return { n: count('direct:a') };
  }

  @NoCache()
  @Get('off')
  off() {
    return { n: count('direct:off') };
  }

  @Post('touch')
  touch() {
    return { touched: true };
  }
}

export interface HttpApp {
  app: INestApplication;
  http: HttpCacheService;
  metrics: MetricsService;
  registry: RedisRegistry;
  server: any;
  close(): Promise<void>;
}

/** An app with RedisModule, the interceptor as APP_INTERCEPTOR, on the chosen adapter. */
/** More of the app: controllers besides the shared ones, and whether the proxy (X-Forwarded-*) is trusted. */
export interface HttpAppExtras {
  controllers?: Type[];
  trustProxy?: boolean;
}

export async function startHttpApp(
  adapter: AdapterName,
  connection: RedisConnectionOptions,
  httpCache: HttpCacheOptions = {},
  prefix = 'hc',
  extra: HttpAppExtras = {},
): Promise<HttpApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { connectTimeout: 2000, commandTimeout: 1000, maxRetriesPerRequest: 0, reconnect: { baseDelay: 10, maxDelay: 50 }, ...connection } as RedisConnectionOptions,
        keyspace: { prefix, app: adapter },
        circuitBreaker: { failureThreshold: 3, recoveryTimeout: 60_000 },
        httpCache: { identify: (req: any) => req.headers['x-user'], ...httpCache },
      }),
    ],
    controllers: [ProductController, DirectController, ...(extra.controllers ?? [])],
    providers: [{ provide: APP_INTERCEPTOR, useClass: ResponseCacheInterceptor }],
  }).compile();
  let app: INestApplication;
  if (adapter === 'fastify') {
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ trustProxy: extra.trustProxy ?? false }), { logger: false });
  } else {
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    if (extra.trustProxy) (app as NestExpressApplication).set('trust proxy', true);
  }
  // Listening once keeps one port, so every request of a test sends the same Host (part of the key).
  await app.listen(0, '127.0.0.1');
  return {
    app,
    http: app.get(HttpCacheService),
    metrics: app.get(MetricsService),
    registry: app.get(RedisRegistry),
    server: app.getHttpServer(),
    close: () => app.close(),
  };
}
