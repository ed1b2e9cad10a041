import { describe, expect, it } from '@jest/globals';
import { itServesEveryCapability, useInstalledApp } from './full-app.behaviour.js';

describe('the packed tarball in a Nest 12 ESM app on Express', () => {
  const current = useInstalledApp('nest12-express', { shared: true, node: 22 });
  itServesEveryCapability(current);

  it('really runs Nest 12, on Node 22', () => {
    expect(current().app.installedVersion('@nestjs/core')).toMatch(/^12\./);
    expect(current().nodeVersion).toMatch(/^22\./);
  });

  it('nestjs-rediskit/express-session: RediskitSessionStore keeps express-session data in Redis', async () => {
    const first = await fetch(current().url + '/visits');
    const cookie = first.headers.getSetCookie()[0].split(';')[0];
    expect(await first.json()).toEqual({ views: 1 });
    const second = await fetch(current().url + '/visits', { headers: { cookie } });
    expect(await second.json()).toEqual({ views: 2 });
  });
});
