import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServer } from '../harness/index.js';

const run = promisify(execFile);

describe('without the optional peers @nestjs/terminus and prom-client', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the library loads, the indicators answer in the terminus shape and metrics are no-ops', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url).pathname;
    const { stdout } = await run(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', '--import', `${fixtures}hide-optional-peers.mjs`, `${fixtures}boot-without-peers.ts`, server.url],
      { cwd: new URL('../../', import.meta.url).pathname, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(report.terminus).toBe('ERR_MODULE_NOT_FOUND');
    expect(report.promClient).toBe('ERR_MODULE_NOT_FOUND');
    expect(report.health).toEqual({ redis: expect.objectContaining({ status: 'up', topology: 'standalone', circuit: 'closed' }) });
    expect(report.roundTrip).toEqual({ cache: expect.objectContaining({ status: 'up', namespace: 'cache' }) });
    expect(report.metricsEnabled).toBe(false);
    expect(report.metricsText).toBe('');
    expect(report.contentType).toMatch(/^text\/plain/);
  });
});
