import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when `redis-server` can be run from PATH. */
export function redisServerInstalled(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server for one demo run: a free port on 127.0.0.1, no persistence, a temporary
 * directory. It runs in its own process group, so Ctrl-C reaches the demo first; the demo
 * closes its connections and then stops this server.
 */
export class ThrowawayRedis {
  private stopping?: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {
    // Last resort if the demo exits without stop(): never leave a server behind.
    process.once('exit', () => {
      if (this.running) this.child.kill('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  static async start(): Promise<ThrowawayRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'rediskit-demo-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ThrowawayRedis(child, port, dir);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output.slice(-1000)}`)), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        reject(error);
      };
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code} during start:\n${output.slice(-1000)}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          child.stdout!.removeAllListeners('data').resume();
          child.stderr!.resume();
          resolve();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    });
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Calls `listener` if the server dies while the demo still runs. */
  onUnexpectedExit(listener: (code: number | null, signal: string | null) => void): void {
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) listener(code, signal);
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; removes the directory. */
  stop(graceMs = 3000): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        rmSync(this.dir, { recursive: true, force: true });
        resolve();
      };
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      if (!this.running) return done();
      this.child.once('exit', done);
      this.child.kill('SIGTERM');
    });
    return this.stopping;
  }
}
