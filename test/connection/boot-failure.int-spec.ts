import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { spawn } from 'node:child_process';
import { inspect } from 'node:util';
import { RedisModule, RediskitConnectionError, type RedisModuleOptions } from 'nestjs-rediskit';
import { freePort, RedisServer, waitFor } from '../harness/index.js';

// Boot failures must be loud: a standard main.ts whose Redis is unreachable, refuses the
// password or lacks the database exits non-zero with a RediskitConnectionError that names
// host:port and the cause, and never shows the password. And app.close() with Redis gone
// lets the process end by itself.

const PASSWORD = 'right-horse-battery-staple';
const WRONG_PASSWORD = 'wrong-horse-battery-staple';
const CONNECT_TIMEOUT = 1000;
const root = new URL('../../', import.meta.url).pathname;
const main = new URL('./fixtures/standard-main.ts', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Writes a line to the child's stdin. */
  send(line: string): void;
  /** Resolves once stdout contains `text`. */
  printed(text: string): Promise<void>;
  exited: Promise<void>;
}

/** Runs the standard main.ts in its own Node process, with `options` as the module options. */
function runMain(options: RedisModuleOptions, ...args: string[]): Run {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', main, JSON.stringify(options), ...args], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'test', NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const run: Run = {
    code: null,
    stdout: '',
    stderr: '',
    send: (line) => child.stdin.write(line + '\n'),
    printed: (text) => waitFor(() => run.stdout.includes(text), 30_000, `the child to print ${text}:\n${run.stdout}\n${run.stderr}`),
    // Liveness only: a child still running after this long has hung (the jest timeout is larger).
    exited: new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the child did not exit by itself:\n${run.stdout}\n${run.stderr}`));
      }, 45_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        run.code = code;
        resolve();
      });
    }),
  };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  return run;
}

describe('boot failures are loud', () => {
  let secured: RedisServer;

  beforeAll(async () => {
    secured = await RedisServer.start();
    // Set after start: the harness checks a new server with a PING without password.
    await secured.cli('CONFIG', 'SET', 'requirepass', PASSWORD);
  });
  afterAll(async () => {
    await secured?.stop();
  });

  describe('a standard main.ts exits non-zero with the error printed', () => {
    it('when nothing listens on the port', async () => {
      const port = await freePort();
      const run = runMain({ connection: { host: '127.0.0.1', port, connectTimeout: CONNECT_TIMEOUT } });
      await run.exited;
      expect(run.code).not.toBe(0);
      expect(run.stdout).not.toContain('LISTENING');
      expect(run.stderr).toContain('RediskitConnectionError');
      expect(run.stderr).toContain(`127.0.0.1:${port}`);
      expect(run.stderr).toContain('ECONNREFUSED');
    });

    it('when the server refuses the password, without printing it', async () => {
      const run = runMain({ connection: { host: '127.0.0.1', port: secured.port, password: WRONG_PASSWORD, connectTimeout: CONNECT_TIMEOUT } });
      await run.exited;
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('RediskitConnectionError');
      expect(run.stderr).toContain(`127.0.0.1:${secured.port}`);
      expect(run.stderr).toContain('WRONGPASS');
      expect(run.stdout + run.stderr).not.toContain(WRONG_PASSWORD);
    });

    it('when the server has no such database, without printing the password', async () => {
      const run = runMain({ connection: { url: `redis://:${PASSWORD}@127.0.0.1:${secured.port}/99`, connectTimeout: CONNECT_TIMEOUT } });
      await run.exited;
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('RediskitConnectionError');
      expect(run.stderr).toContain(`127.0.0.1:${secured.port}`);
      expect(run.stderr).toContain('database 99');
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    });
  });

  describe('the error the boot rejects with', () => {
    async function bootError(options: RedisModuleOptions): Promise<Error> {
      const error = await Test.createTestingModule({ imports: [RedisModule.forRoot(options)] })
        .compile()
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      if (!error) throw new Error('boot succeeded');
      return error;
    }

    it.each([
      ['a wrong password in the options', { host: '127.0.0.1', password: WRONG_PASSWORD }, WRONG_PASSWORD, 'WRONGPASS'],
      ['a wrong password in the URL', { url: `redis://:${WRONG_PASSWORD}@127.0.0.1:PORT` }, WRONG_PASSWORD, 'WRONGPASS'],
      ['a user and a wrong password', { host: '127.0.0.1', username: 'default', password: WRONG_PASSWORD }, WRONG_PASSWORD, 'WRONGPASS'],
      ['no password', { host: '127.0.0.1' }, PASSWORD, 'NOAUTH'],
      ['db 99 on a 16-database server', { host: '127.0.0.1', password: PASSWORD, db: 99 }, PASSWORD, 'database 99'],
    ])('with %s: a RediskitConnectionError naming host:port and the cause, no password anywhere', async (_case, connection, secret, cause) => {
      const options = JSON.parse(JSON.stringify(connection).replace('PORT', String(secured.port)));
      const error = await bootError({ connection: { port: secured.port, ...options, connectTimeout: CONNECT_TIMEOUT } });
      expect(error).toBeInstanceOf(RediskitConnectionError);
      expect(error.message).toContain(`127.0.0.1:${secured.port}`);
      expect(error.message).toContain(cause);
      expect(error.cause).toBeInstanceOf(Error);
      // Everything a log line or an unhandled rejection would print, the cause chain included.
      const printed = [inspect(error, { depth: Infinity, showHidden: true }), String(error.stack), JSON.stringify(error), String((error.cause as Error).stack)].join('\n');
      expect(printed).not.toContain(secret);
    });
  });

  it('app.close() with Redis killed after boot ends, and the process exits by itself', async () => {
    const server = await RedisServer.start();
    try {
      const run = runMain({ connection: { url: server.url, connectTimeout: CONNECT_TIMEOUT }, cache: {}, rateLimit: {} }, 'close-on-input');
      await run.printed('LISTENING');
      await server.kill();
      run.send('close');
      await run.exited;
      expect(run.stdout).toContain('CLOSED');
      expect(run.code).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
