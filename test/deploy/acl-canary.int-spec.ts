import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { existsSync } from 'node:fs';
import { APP_USER, aclTestMode, commandsOf } from '../harness/acl-users.js';
import { ACL_SUITES } from '../harness/acl-suites.js';
import { RedisServer } from '../harness/index.js';

// Listed in ACL_SUITES itself: it proves that the listed suites meet the restricted user.
describe('the suites of ACL_SUITES (run as the app user of users.acl)', () => {
  it('are files that exist', () => {
    for (const suite of ACL_SUITES) expect(existsSync(new URL(`../../${suite}`, import.meta.url))).toBe(true);
  });

  it('hands out the app user of users.acl, which is refused what is not on its list', async () => {
    expect(aclTestMode()).toBe(true);
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
