import type { Command } from 'ioredis';
import type { RedisClient } from '../connection/client.factory.js';
import type { BoundHistogram, CounterMetric, HistogramMetric } from './metrics.service.js';

/** A command that took longer than the slow threshold; carries no key, only its namespace. */
export interface SlowCommand {
  connection: string;
  /** Lower-case command name (`get`, `evalsha`). */
  command: string;
  /** Feature of the first key (`cache`, `session`), `other` when keyless or foreign. */
  namespace: string;
  durationMs: number;
}

export interface CommandInstrumentationOptions {
  connection: string;
  /** Latency histogram labelled `connection`, `command`; undefined to not record latency. */
  latency?: HistogramMetric;
  /** Error counter labelled `connection`, `command`, `reason`. */
  errors?: CounterMetric;
  /** Commands at least this slow are reported to `onSlow` (ms; Infinity for never). */
  slowMs: number;
  onSlow: (command: Command, durationMs: number) => void;
}

// The name of our resolve wrapper: how a command already observed is recognised, for free.
const OBSERVED = 'rediskitObserved';

// Blocking commands wait by design: their duration says nothing about Redis being slow.
const BLOCKING = new Set(['blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'xread', 'xreadgroup', 'wait', 'waitaof', 'subscribe', 'psubscribe', 'ssubscribe']);

/** `reply` (Redis answered with an error), `timeout`, or `connection` (the command never got an answer). */
export function errorReason(error: unknown): 'reply' | 'timeout' | 'connection' {
  if (error instanceof Error && error.name === 'ReplyError') return 'reply';
  return /time(d)? ?out/i.test((error as Error)?.message ?? '') ? 'timeout' : 'connection';
}

/**
 * Times every command sent by one ioredis client, by wrapping that client's `sendCommand`
 * and the command's own `resolve` / `reject`.
 *
 * Why not ioredis' diagnostics channel (`tracing:ioredis:command`): it is process-wide (it
 * slows every ioredis client of the process, the application's own included, and cannot tell
 * which rediskit connection sent a command), and a subscriber cost 30–45% of raw GET
 * throughput here (bench `metrics`). Why not `RedisConnection.run`: it does not see commands
 * sent on `connection.client` directly (pipelines, `@InjectRedis` users) nor their names.
 * Why `resolve` / `reject` rather than `command.promise.then`: no extra promise and reaction
 * per command, which measured about half the cost; and on a cluster, ioredis wraps `reject`
 * after us to follow MOVED / ASK, so only the final outcome reaches us.
 */
export class CommandInstrumentation {
  private readonly histograms = new Map<string, BoundHistogram>();

  constructor(private readonly options: CommandInstrumentationOptions) {}

  /** Wraps `client.sendCommand`; returns a function that restores the original. */
  install(client: RedisClient): () => void {
    const target = client as unknown as { sendCommand: (command: Command, stream?: unknown, node?: unknown) => unknown };
    const original = target.sendCommand;
    const observe = this.observe;
    target.sendCommand = function (this: unknown, command: Command, stream?: unknown, node?: unknown) {
      // A command queued while offline passes here again when the queue is flushed.
      if (command.resolve.name !== OBSERVED) observe(command);
      return original.call(this, command, stream, node);
    };
    return () => {
      target.sendCommand = original;
    };
  }

  private readonly observe = (command: Command): void => {
    const started = performance.now();
    const { resolve, reject } = command;
    let settled = false;
    const rediskitObserved = (value: unknown) => {
      if (!settled) {
        settled = true;
        this.done(command, started);
      }
      return resolve(value);
    };
    command.resolve = rediskitObserved;
    command.reject = (error: Error) => {
      if (!settled) {
        settled = true;
        this.options.errors?.inc({ connection: this.options.connection, command: command.name, reason: errorReason(error) });
        this.done(command, started);
      }
      return reject(error);
    };
  };

  private done(command: Command, started: number): void {
    const ms = performance.now() - started;
    const { latency, slowMs } = this.options;
    if (latency) {
      let bound = this.histograms.get(command.name);
      if (!bound) this.histograms.set(command.name, (bound = latency.labels({ connection: this.options.connection, command: command.name })));
      bound.observe(ms / 1000);
    }
    if (ms >= slowMs && !BLOCKING.has(command.name)) this.options.onSlow(command, ms);
  }
}
