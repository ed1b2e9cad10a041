import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { APP_USER, aclTestMode, commandsOf } from '../harness/acl-users.js';
import { RedisServer } from '../harness/index.js';

// Runs only inside the ACL run (test/deploy/acl-run.int-spec.ts starts jest with
// REDISKIT_TEST_ACL=1 and adds *.acl-spec.ts to testMatch), which checks that it passed: it
// proves the suites of that run met the restricted user.
describe('the harness with REDISKIT_TEST_ACL=1', () => {
  it('hands out the app user of users.acl, which is refused what is not on its list', async () => {
    if (!aclTestMode()) throw new Error('run through test/deploy/acl-run.int-spec.ts (REDISKIT_TEST_ACL=1)');
    const server = await RedisServer.start();
    const app = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      expect(server.url).toContain(`${APP_USER}:`);
      await app.connect();
      await expect(app.call('ACL', 'WHOAMI')).rejects.toThrow(/NOPERM/);
      for (const command of [['FLUSHALL'], ['FLUSHDB'], ['KEYS', '*'], ['CONFIG', 'SET', 'maxmemory', '0'], ['SCRIPT', 'FLUSH'], ['SHUTDOWN']]) {
        await expect(app.call(command[0], ...command.slice(1))).rejects.toThrow(/NOPERM/);
      }
      await expect(app.call('DEBUG', 'SLEEP', '0')).rejects.toThrow(/DEBUG command not allowed/);
      await expect(server.cliAs(undefined, 'PING')).resolves.toMatch(/NOAUTH/);
      expect(commandsOf(APP_USER)).not.toContain('flushall');
    } finally {
      app.disconnect();
      await server.stop();
    }
  });
});
