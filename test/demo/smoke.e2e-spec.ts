import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../harness/index.js';

const root = new URL('../../', import.meta.url).pathname;

/** The environment of a user's shell: no test runner settings, no Redis configured. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['NODE_ENV', 'NODE_OPTIONS', 'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'JEST_WORKER_ID']) delete env[name];
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run demo (as a user runs it)', () => {
  let demo: ChildProcess | undefined;
  let output = '';

  afterAll(() => {
    // Only if the test failed before stopping it.
    if (demo?.pid && demo.exitCode === null && demo.signalCode === null) {
      try {
        process.kill(-demo.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('starts a throwaway redis-server, answers /health, and stops the server on SIGTERM', async () => {
    const port = await freePort();
    // Its own process group, like a terminal's job, so the whole group can be signalled.
    demo = spawn('npm', ['run', 'demo'], { cwd: root, env: userEnv({ PORT: String(port) }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout!.on('data', (d) => (output += d));
    demo.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));

    await waitFor(() => output.includes(`running at http://localhost:${port}`) || demo!.exitCode !== null || demo!.signalCode !== null, 90_000, 'the demo to print its URL', 200);
    expect(output).toContain(`running at http://localhost:${port}`); // else the output shows why
    const redisPid = Number(/redis-server \(pid (\d+)\)/.exec(output)?.[1]);
    expect(alive(redisPid)).toBe(true);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', info: { redis: { status: 'up' }, database: { status: 'up' } } });

    process.kill(-demo.pid!, 'SIGTERM'); // what Ctrl-C or `kill -- -PGID` does
    await exited;
    await waitFor(() => !alive(redisPid), 10_000, 'the throwaway redis-server to exit');
    // npm exits on the signal at once; the demo's own node process prints after closing the app.
    await waitFor(() => output.includes('Stopped the throwaway redis-server.'), 15_000, 'the demo to report the server stopped', 100);
  }, 150_000);

  it('says what to install when redis-server is not on PATH', () => {
    // A PATH with node only.
    const bin = mkdtempSync(join(tmpdir(), 'rediskit-demo-path-'));
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
      const result = spawnSync('node', ['--import', '@swc-node/register/esm-register', 'apps/demo/src/start.ts'], {
        cwd: root,
        env: userEnv({ PATH: bin }),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('apt-get install redis-server');
      expect(result.stderr).toContain('brew install redis');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
