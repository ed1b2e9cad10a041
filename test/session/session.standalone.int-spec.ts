import { RedisServer } from '../harness/index.js';
import { sessionSuite } from './session-suite.js';

sessionSuite('a standalone server', async () => {
  const server = await RedisServer.start();
  return { connection: { url: server.url }, cli: async (...a) => [await server.cli(...a)], stop: () => server.stop() };
});
