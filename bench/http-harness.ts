// HTTP benchmarks: a Nest app in a child process of its own (so autocannon does not share its
// event loop), hammered with autocannon; the app reports its CPU time so CPU per request can
// be printed next to requests/s.
import type { INestApplication } from '@nestjs/common';
import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import type { Result } from './harness.js';

export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

export type Run = Omit<Result, 'name'> & { cpuUsPerRequest: number };

/** An app started by {@link startApp}. */
export interface BenchApp {
  base: string;
  /** CPU time (user + system, µs) the app process has used. */
  cpu: () => Promise<number>;
  stop: () => Promise<void>;
  /** Asks the app for `n` in-process requests (an app that supports it) and resolves to its CPU µs per request. */
  inject: (n: number) => Promise<number>;
}

/** 50 connections on `path` for `seconds`; fails on any error or non-2xx answer. */
export async function hammer(app: BenchApp, path: string, seconds: number): Promise<Run> {
  const cpuBefore = await app.cpu();
  const r = await autocannon({ url: app.base + path, connections: 50, duration: seconds, pipelining: 1 });
  const cpu = (await app.cpu()) - cpuBefore;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { opsPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, cpuUsPerRequest: cpu / r.requests.total };
}

/** Starts the app module `file` (which calls {@link serveBenchApp}) in a child process with `env` added. */
export function startApp(file: URL, env: Record<string, string>): Promise<BenchApp> {
  const child = fork(file, { env: { ...process.env, ...env }, execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench app exited with ${code}`)));
    child.once('message', (m: { port: number }) =>
      resolve({
        base: `http://127.0.0.1:${m.port}`,
        cpu: () =>
          new Promise<number>((done) => {
            const onMessage = (msg: { cpu?: NodeJS.CpuUsage }) => {
              if (!msg.cpu) return;
              child.off('message', onMessage);
              done(msg.cpu.user + msg.cpu.system);
            };
            child.on('message', onMessage);
            child.send('cpu');
          }),
        inject: (n) =>
          new Promise<number>((done) => {
            const onMessage = (msg: { injectCpuUs?: number }) => {
              if (msg.injectCpuUs === undefined) return;
              child.off('message', onMessage);
              done(msg.injectCpuUs);
            };
            child.on('message', onMessage);
            child.send({ inject: n });
          }),
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.send('stop');
          }),
      }),
    );
  });
}

/** The child's side: listens on a free port, tells the parent, answers `cpu` and `stop`. */
export async function serveBenchApp(app: INestApplication): Promise<void> {
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.send!({ port: address.port });
  process.on('message', async (m) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
    if (m === 'stop') {
      await app.close();
      process.exit(0);
    }
  });
}
