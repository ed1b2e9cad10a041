import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { itServesEveryCapability, useInstalledApp } from './full-app.behaviour.js';

describe('the packed tarball in a Nest 11 CommonJS app (require of the ESM package) with ioredis 5', () => {
  const current = useInstalledApp('nest11-commonjs', { shared: true, node: 20 });
  itServesEveryCapability(current);

  it('really runs Nest 11 and ioredis 5, compiled to CommonJS, on Node 20', () => {
    const { app, nodeVersion } = current();
    expect(nodeVersion).toMatch(/^20\./);
    expect(app.installedVersion('@nestjs/core')).toMatch(/^11\./);
    expect(app.installedVersion('ioredis')).toMatch(/^5\./);
    expect(readFileSync(join(app.dir, 'dist/main.js'), 'utf8')).toContain('require("@nestjs/core")');
  });

  it('nestjs-rediskit/throttler: @nestjs/throttler counts in Redis through RediskitThrottlerStorage', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(current().url + '/throttled')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
