import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_USER, aclTestMode, devPassword, OPS_USER, REDIS_CONF, USERS_ACL } from './acl-users.js';
import { exited, freePort, runDir, spawnTracked, waitFor, workDir } from './processes.js';

const execFileAsync = promisify(execFile);

/** A user name and password (an ACL user of deploy/redis/users.acl). */
export interface RedisAuth {
  username: string;
  password: string;
}

/**
 * Runs redis-cli against a port and returns its trimmed output. `auth` defaults to none, or to
 * the operator user in the suites that run as the ACL user (test/harness/acl-suites.ts).
 */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  return redisCliAs(aclTestMode() ? opsAuth() : undefined, port, ...args);
}

/** redis-cli as `auth` (none: the default user). */
export async function redisCliAs(auth: RedisAuth | undefined, port: number, ...args: string[]): Promise<string> {
  const login = auth ? ['--user', auth.username, '--pass', auth.password, '--no-auth-warning'] : [];
  const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...login, ...args], { timeout: 10_000 });
  return stdout.trim();
}

/**
 * Commands the ACL suites grant the app user on top of its list: suites read keys (TYPE, DUMP,
 * HGETALL, PEXPIRETIME) and send a MULTI through the application's own connection to assert on what the
 * library did. The library never sends them.
 */
export const TEST_ONLY_COMMANDS = ['type', 'dump', 'hgetall', 'pexpiretime', 'multi', 'exec'];

/**
 * users.acl as it is, with the app user's line extended (rules apply left to right): all keys
 * and channels, since the suites use key prefixes of their own, and {@link TEST_ONLY_COMMANDS}.
 * Written once per run; every (re)start of a server loads it, so no client ever meets the
 * narrower rules in between.
 */
function widenedAclFile(): string {
  const file = join(runDir, `users.widened.${process.pid}.acl`); // one per worker: no race
  if (!existsSync(file)) {
    const lines = readFileSync(USERS_ACL, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith(`user ${APP_USER} `));
    if (i < 0) throw new Error(`no user ${APP_USER} in ${USERS_ACL}`);
    lines[i] += ` resetkeys ~* resetchannels &* ${TEST_ONLY_COMMANDS.map((c) => `+${c}`).join(' ')}`;
    writeFileSync(file, lines.join('\n'));
  }
  return file;
}

const opsAuth = (): RedisAuth => ({ username: OPS_USER, password: devPassword(OPS_USER) });

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  sentinel?: boolean;
  name?: string;
  /**
   * Start from this config file (`include`d as is), e.g. deploy/redis/redis.conf; the harness
   * then only sets port, bind, dir and `aclfile` after it, and `config` comes last.
   */
  configFile?: string;
  /** Edits a sentinel's copy of `configFile` (e.g. the address of the monitored master). */
  editConfig?: (text: string) => string;
  /** The ACL file `aclfile` points to with a `configFile` (default deploy/redis/users.acl). */
  aclFile?: string;
  /** Whom {@link RedisServer.url} authenticates as (with a `configFile`: the app user). */
  clientAuth?: RedisAuth;
  /** Whom {@link RedisServer.cli} runs as (with a `configFile`: the operator user). */
  cliAuth?: RedisAuth;
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
    /** Whom {@link url} authenticates as (undefined: the default user, no password). */
    readonly clientAuth?: RedisAuth,
    /** Whom {@link cli} runs as. */
    readonly cliAuth?: RedisAuth,
  ) {}

  /**
   * Starts a server with extra config lines; retries on other ports if a port was taken (a
   * free port can be handed to another process's connection before redis-server binds it).
   * `$PORT` in a line is the server's port, `$BUS_PORT` a second free port (a cluster bus).
   *
   * In the suites of ACL_SUITES (REDISKIT_TEST_ACL=1, set per file by acl-mode.ts) every data
   * node starts from deploy/redis/redis.conf and users.acl, {@link url} carries the application
   * user's credentials and {@link cli} the operator's: the suites then prove that user's command
   * list complete. The suites use key prefixes of their
   * own, so the app user's key and channel patterns are widened to all (its commands stay the
   * file's, see widenedAclFile); the demo spec in test/deploy checks the `rk:*` patterns as they are.
   */
  static async start(config: string[] = [], options: RedisServerOptions = {}): Promise<RedisServer> {
    const acl = aclTestMode() && !options.sentinel && !options.configFile;
    // The suites assert on a server without a memory limit (health details, monitor ratios).
    if (acl) options = { ...options, configFile: REDIS_CONF, aclFile: widenedAclFile() };
    if (acl) config = ['maxmemory 0', ...config];
    const fromFile = !!options.configFile;
    const clientAuth = options.clientAuth ?? (fromFile && !options.sentinel ? { username: APP_USER, password: devPassword(APP_USER) } : undefined);
    const cliAuth = options.cliAuth ?? (fromFile && !options.sentinel ? opsAuth() : undefined);
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const dir = workDir(options.name ?? (options.sentinel ? 'sentinel' : 'redis'));
      const configFile = join(dir, 'redis.conf');
      // A sentinel rewrites its config file: it gets a copy (edited by `editConfig`), not an include.
      const file = !options.configFile ? [] : options.sentinel ? [(options.editConfig ?? String)(readFileSync(options.configFile, 'utf8'))] : [`include ${options.configFile}`];
      const base = fromFile
        ? [...file, `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...(options.sentinel ? [] : [`aclfile ${options.aclFile ?? USERS_ACL}`])]
        : [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...(options.sentinel ? [] : ['save ""', 'appendonly no'])];
      const lines = [...base, ...config];
      const busPort = String(await freePort());
      writeFileSync(configFile, lines.map((l) => l.replace(/\$BUS_PORT/g, busPort).replace(/\$PORT/g, String(port))).join('\n') + '\n');
      const server = new RedisServer(port, dir, configFile, !!options.sentinel, clientAuth, cliAuth);
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

  /** `redis://127.0.0.1:<port>`, with the {@link clientAuth} user's credentials when there is one. */
  get url(): string {
    const auth = this.clientAuth ? `${encodeURIComponent(this.clientAuth.username)}:${encodeURIComponent(this.clientAuth.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  cli(...args: string[]): Promise<string> {
    return redisCliAs(this.cliAuth, this.port, ...args);
  }

  /** redis-cli as another user (undefined: the default user). */
  cliAs(auth: RedisAuth | undefined, ...args: string[]): Promise<string> {
    return redisCliAs(auth, this.port, ...args);
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
    // Every start loads users.acl again: widen the app user again (see start()).
  }
}
