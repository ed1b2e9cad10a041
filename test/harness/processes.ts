import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every redis-server the harness starts writes its pid into the run directory, so the global
 * teardown reaps processes left by a crashed worker; a worker also kills its own on exit.
 */
export const runDir = process.env.REDISKIT_TEST_RUN_DIR ?? join(tmpdir(), `rediskit-test-${process.pid}`);
const pidDir = join(runDir, 'pids');
mkdirSync(pidDir, { recursive: true });

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A fresh working directory for one server. */
export function workDir(name: string): string {
  return mkdtempSync(join(runDir, `${name}-`));
}

export function spawnTracked(command: string, args: string[], cwd: string): ChildProcess {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const pidFile = join(pidDir, String(child.pid));
  writeFileSync(pidFile, '');
  child.once('exit', () => {
    live.delete(child);
    rmSync(pidFile, { force: true });
  });
  return child;
}

/** Resolves once `child` has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, or throws `message` after `timeout` ms. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeout: number, message: string, interval = 50): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout}ms: ${message}`);
    await sleep(interval);
  }
}
