import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { fileURLToPath } from 'node:url';
import { AppModule } from './app.module.js';
import { loadDemoConfig } from './config/demo.config.js';
import { JsonLogger } from './ops/json-logger.js';
import { RediskitExceptionFilter } from './ops/rediskit-exception.filter.js';
import { startDemoTracing } from './ops/demo-tracing.js';

const publicDir = fileURLToPath(new URL('../public', import.meta.url));

/**
 * Builds the demo application (not listening yet): validation, the page at `/`, `/docs`,
 * optional shutdown hooks, JSON logs with LOG_FORMAT=json. `env` defaults to `process.env`; tests pass their own.
 */
export async function createDemoApp(env: Record<string, string | undefined> = process.env, options: { logger?: false; shutdownHooks?: boolean } = {}): Promise<NestExpressApplication> {
  startDemoTracing(env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    // LOG_FORMAT=json: one JSON object per line, with the request's id (ops/json-logger.ts).
    logger: options.logger ?? (env.LOG_FORMAT === 'json' ? new JsonLogger() : ['log', 'warn', 'error']),
    // Open SSE streams must not keep app.close() waiting.
    forceCloseConnections: true,
  });
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  app.useStaticAssets(publicDir, { index: 'index.html', maxAge: 0 });
  app.set('trust proxy', loadDemoConfig(env).trustProxy);
  app.useGlobalFilters(new RediskitExceptionFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nestjs-rediskit demo shop')
      .setDescription('A small shop API that uses every nestjs-rediskit feature.')
      .addBearerAuth()
      .addCookieAuth('sid')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  // start.ts handles signals itself (it must stop its redis-server after the app closed).
  if (options.shutdownHooks) app.enableShutdownHooks();
  return app;
}
