import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { createDemoApp } from './app.factory.js';
import { loadDemoConfig } from './config/demo.config.js';
import { DEMO_PASSWORD, DEMO_USERS } from './database/schema.js';

/** Starts the demo on PORT (default 3000) and prints where to look. */
export async function bootstrap(env: Record<string, string | undefined> = process.env, options: { shutdownHooks?: boolean } = {}): Promise<INestApplication> {
  const { port } = loadDemoConfig(env);
  const app = await createDemoApp(env, { shutdownHooks: options.shutdownHooks ?? true });
  await app.listen(port, env.HOST ?? '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  console.log(
    [
      '',
      `  nestjs-rediskit demo shop is running at ${url}`,
      `    page     ${url}/`,
      `    API docs ${url}/docs`,
      `    health   ${url}/health     metrics ${url}/metrics`,
      `  demo users: ${DEMO_USERS.map((u) => u.email).join(', ')} (password "${DEMO_PASSWORD}")`,
      '  Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  return app;
}

// Run directly (`node ... main.ts`) rather than through start.ts: use the environment as is.
if (import.meta.url === `file://${process.argv[1]}`) {
  bootstrap().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
