import { describe, expect, it } from '@jest/globals';
import { itServesEveryCapability, useInstalledApp } from './full-app.behaviour.js';

describe('the packed tarball in a Nest 12 ESM app on Fastify', () => {
  const current = useInstalledApp('nest12-fastify', { shared: true, node: 22 });
  itServesEveryCapability(current);

  it('really runs Nest 12 on Fastify, on Node 22', () => {
    expect(current().nodeVersion).toMatch(/^22\./);
    expect(current().app.installedVersion('@nestjs/core')).toMatch(/^12\./);
    expect(current().app.installedVersion('fastify')).toMatch(/^\d+\./);
  });
});
