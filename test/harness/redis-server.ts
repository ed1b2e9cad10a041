import { execFile, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exited, freePort, spawnTracked, waitFor, workDir } from './processes.js';

const execFileAsync = promisify(execFile);

/** Runs redis-cli against a port and returns its trimmed output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

/**
 * One real redis-server (or sentinel) process on a free port, with helpers to stop, restart,
 * pause (SIGSTOP) and resume it. The config file is kept so a restart brings the same server back.
 */
export class RedisServer {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly configFile: string,
    private readonly sentinel: boolean,
  ) {}

  /**
   * Starts a server with extra config lines; retries on other ports if a port was taken (a
   * free port can be handed to another process's connection before redis-server binds it).
   * `$PORT` in a line is the server's port, `$BUS_PORT` a second free port (a cluster bus).
   */
  static async start(config: string[] = [], options: { sentinel?: boolean; name?: string } = {}): Promise<RedisServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const dir = workDir(options.name ?? (options.sentinel ? 'sentinel' : 'redis'));
      const configFile = join(dir, 'redis.conf');
      const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...(options.sentinel ? [] : ['save ""', 'appendonly no']), ...config];
      const busPort = String(await freePort());
      writeFileSync(configFile, lines.map((l) => l.replace(/\$BUS_PORT/g, busPort).replace(/\$PORT/g, String(port))).join('\n') + '\n');
      const server = new RedisServer(port, dir, configFile, !!options.sentinel);
      try {
        await server.launch();
        return server;
      } catch (error) {
        lastError = error;
        await server.kill();
      }
    }
    throw lastError;
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  cli(...args: string[]): Promise<string> {
    return redisCli(this.port, ...args);
  }

  /** Graceful stop (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<void> {
    if (!this.child) return;
    this.resume();
    this.child.kill('SIGTERM');
    await exited(this.child);
  }

  /** Hard kill (SIGKILL): like a crashed server. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  /** Starts the same server again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  private async launch(): Promise<void> {
    const args = [this.configFile, ...(this.sentinel ? ['--sentinel'] : [])];
    const child = spawnTracked('redis-server', args, this.dir);
    this.child = child;
    this.output = '';
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
    // 'close' comes after the output is read, so the error shows why the server stopped.
    const died = new Promise((resolve) => child.once('close', resolve)).then(() => {
      throw new Error(`redis-server exited during start:\n${this.output.slice(-1000)}`);
    });
    const ready = waitFor(async () => (await this.cli('PING')) === 'PONG', 10_000, `redis-server on port ${this.port} to answer PING`);
    died.catch(() => undefined); // only the race below reports it
    await Promise.race([ready, died]);
  }
}
