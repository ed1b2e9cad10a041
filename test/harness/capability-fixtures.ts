import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RedisModule, RediskitError, type RedisConnectionOptions, type RedisModuleOptions } from 'nestjs-rediskit';

/** The budget of the fault app's calls. */
export const BUDGET = 300;

/** What a topology's fixture gives the shared behaviour suites of geo and reservations. */
export interface FaultTopology {
  connection(): RedisConnectionOptions;
  /** SIGSTOP every server: connections stay open, nothing answers. */
  hang(): void;
  wake(): void;
}

/** Boots a Nest app with RedisModule. */
export async function bootApp(options: RedisModuleOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot(options)] }).compile();
  return moduleRef.createNestApplication({ logger: false }).init();
}

/**
 * How `call` settled: its value, or the error it rejected with. Not settled after the budget
 * plus a generous margin for a loaded machine fails the test (a liveness check, not a timing).
 */
export async function settled<T>(call: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a call did not settle within ${BUDGET} ms + 5 s`)), BUDGET + 5000);
  });
  try {
    return await Promise.race([call.then((value) => ({ value }), (error: unknown) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error of a call that must reject, checked to be a `RediskitError`. */
export async function rediskitErrorOf(call: Promise<unknown>): Promise<RediskitError> {
  const { error } = await settled(call);
  if (!(error instanceof RediskitError)) throw new Error(`expected a RediskitError, got ${error === undefined ? 'a value' : String(error)}`);
  return error;
}

/** The `argument` of the `RediskitArgumentError` a call rejects with (undefined when it resolved). */
export async function argumentOf(call: () => Promise<unknown>): Promise<string | undefined> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return undefined;
  if (!(error instanceof RediskitError) || error.code !== 'INVALID_ARGUMENT') throw error;
  return (error as RediskitError & { argument: string }).argument;
}

/** A counter's value in the Prometheus text (0 when absent). */
export function counter(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`rediskit_${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
