import { Body, Controller, Get, Injectable, Post, Module, type INestApplication, type Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { currentRequestId, RedisModule, type RedisModuleOptions } from 'nestjs-rediskit';

export type AdapterName = 'express' | 'fastify';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A provider that reads the request id after awaiting: the context must follow the request. */
@Injectable()
export class EchoService {
  async idAfter(ms: number): Promise<string | undefined> {
    await sleep(ms);
    return currentRequestId();
  }
}

@Controller('ctx')
export class ContextController {
  constructor(private readonly echo: EchoService) {}

  @Get('id')
  async id() {
    const before = currentRequestId();
    // Staggered waits interleave concurrent requests.
    const after = await this.echo.idAfter(Math.floor(Math.random() * 20));
    return { before, after };
  }

  /** After the body was read: Fastify runs the handler from the body's `end` event. */
  @Post('id')
  async posted(@Body() body: { n: number }) {
    return { n: body.n, after: await this.echo.idAfter(1) };
  }

  @Get()
  root() {
    return { id: currentRequestId() };
  }
}

/** An app with RedisModule on the chosen adapter, listening on a free port. */
export async function startContextApp(
  adapter: AdapterName,
  options: RedisModuleOptions,
  extra: { controllers?: Type[]; providers?: Type[]; imports?: Type[] } = {},
): Promise<INestApplication> {
  @Module({ imports: [RedisModule.forRoot(options), ...(extra.imports ?? [])], controllers: [ContextController, ...(extra.controllers ?? [])], providers: [EchoService, ...(extra.providers ?? [])] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}
