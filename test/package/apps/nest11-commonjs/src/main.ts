import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { EarlyHitsAppModule } from './early-hits-app.module.js';
import { ThrottledAppModule } from './throttled-app.module.js';

// CommonJS: this compiles to require('nestjs-rediskit'), which loads the ESM package (Node ≥ 20.19).
async function bootstrap() {
  const app = await NestFactory.create(ThrottledAppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  console.log(`listening on ${await app.getUrl()}`);
  // A second app, without global guards: httpCache.earlyHits answers its hits before Nest's pipeline.
  const early = await NestFactory.create(EarlyHitsAppModule, { logger: ['error', 'warn'] });
  early.enableShutdownHooks();
  await early.listen(0, '127.0.0.1');
  console.log(`early-hits app at ${await early.getUrl()}`);
}
void bootstrap();
