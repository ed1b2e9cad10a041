import { Logger } from '@nestjs/common';
import { Cluster, type ClusterOptions, type Redis } from 'ioredis';
import {
  connectionKind,
  type ClusterConnectionOptions,
  type ConnectionKind,
  type RedisConnectionOptions,
  type RedisNodeAddress,
  type StandaloneConnectionOptions,
} from '../options/connection-options.js';
import type { LuaScript } from '../scripts/lua-script.js';
import { ScriptRunner, type ScriptArg } from '../scripts/script-runner.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { settleWithin } from './call-budget.js';
import { RedisClock } from './redis-clock.js';
import { deadlineWithin } from '../scripts/deadline.js';
import { connectClient, createClient, describeConnection, type RedisClient } from './client.factory.js';
import { connectionDefaults } from '../options/connection-defaults.js';
import { RediskitConnectionError } from '../errors.js';
import { closeClient, readyWithin } from './client-lifecycle.js';
import { guardClient, type GuardContext } from './client-guards.js';
import { toMs } from '../options/duration.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** Connection-level changes for {@link RedisConnection.duplicate}. */
export interface DuplicateTuning {
  /** Reconnect backoff of the duplicate (e.g. shorter for a subscriber). */
  reconnect?: RedisConnectionOptions['reconnect'];
  /** Extra ioredis ClusterOptions (cluster connections only), e.g. `{ shardedSubscribers: true }`. */
  cluster?: Partial<Omit<ClusterOptions, 'redisOptions'>>;
}

/**
 * One named Redis connection: the ioredis client, its circuit breaker and its script runner.
 * Capabilities call Redis through `run` / `script`, and every such call settles within its
 * time budget (`commandTimeout` unless the capability passes its own):
 * - the circuit is open: it fails at once with `RediskitCircuitOpenError`;
 * - the connection is not ready (reconnecting, failing over): the call waits for it, at most
 *   the budget, and is handed to ioredis only once it is ready, so it does not sit in the
 *   offline queue to be sent after the caller has given up (the raw client, `@InjectRedis`,
 *   keeps ioredis' own behaviour);
 * - Redis does not answer within the budget: `RediskitTimeoutError`.
 * Every error is a `RediskitError`, with the client's error, redacted, as its cause.
 *
 * @example
 * const value = await connection.run((redis) => redis.get(key));
 * const reply = await connection.run((redis) => redis.set(key, value), 250); // a budget of 250 ms
 */
export class RedisConnection {
  readonly kind: ConnectionKind;
  readonly client: RedisClient;
  readonly breaker: CircuitBreaker;
  /** Where this connection points, for messages (no credentials). */
  readonly address: string;
  /** Redis' clock as seen from here (read when a deadline needs it, at most every 30 s). */
  readonly clock = new RedisClock();
  private readonly scripts: ScriptRunner;
  private readonly logger: Logger;
  private readonly duplicates = new Set<RedisClient>();
  private redirectClient?: RedisClient;
  private redirectScripts?: ScriptRunner;
  private readonly outage = { logged: false };
  private closed = false;
  private readonly guards: GuardContext;
  /** How long a connect may take: `connectTimeout` of the options, else the NODE_ENV default. */
  readonly connectTimeout: number;
  /** How long waiting commands may go without a reply: `commandTimeout`, else the NODE_ENV default. */
  readonly commandTimeout: number;

  constructor(
    readonly name: string,
    private readonly options: RedisConnectionOptions,
    breaker: CircuitBreakerOptions | false = {},
  ) {
    this.kind = connectionKind(options);
    this.address = describeConnection(options);
    this.connectTimeout = toMs(options.connectTimeout ?? connectionDefaults().connectTimeout, 'connectTimeout');
    this.commandTimeout = toMs(options.commandTimeout ?? connectionDefaults().commandTimeout, 'commandTimeout');
    this.logger = new RediskitLogger(`Redis:${name}`);
    this.guards = {
      address: this.address,
      logger: this.logger,
      commandTimeout: this.commandTimeout,
      reviveDelay: toMs(options.reconnect?.baseDelay ?? connectionDefaults().reconnectBaseDelay),
      closed: () => this.closed,
    };
    this.client = this.watch(createClient(name, options));
    this.breaker = new CircuitBreaker(name, breaker, () => this.ping(Math.min(this.commandTimeout, 1000)));
    this.client.on('ready', () => this.breaker.nudge());
    this.scripts = new ScriptRunner(this.client);
  }

  get isCluster(): boolean {
    return this.client instanceof Cluster;
  }

  /** True when commands can be sent right now (not reconnecting). */
  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Connects and waits for `ready`, at most `timeout` ms (default: `connectTimeout`). */
  connect(timeout = this.connectTimeout): Promise<void> {
    return connectClient(this.client, this.address, timeout);
  }

  /**
   * Runs Redis commands within `budget` ms (default: `commandTimeout`) through the circuit
   * breaker. On a cluster, a command redirected while a slot migrates is sent again on a
   * client without auto-pipelining, so `fn` must be one command or idempotent.
   */
  run<T>(fn: (client: RedisClient) => Promise<T>, budget = this.commandTimeout): Promise<T> {
    // Not a cluster: no redirects to retry, so no wrapper to allocate on every call.
    if (!this.isCluster) return this.call(this.client, budget, fn);
    return this.call(this.client, budget, (client) => {
      const pending = fn(client);
      return pending.catch((e) => this.retryRedirected(e, () => fn(this.redirects())));
    });
  }

  /** Runs a Lua script (EVALSHA) like {@link run}. */
  script<T = unknown>(script: LuaScript, keys: string[], args: ScriptArg[] = [], budget = this.commandTimeout): Promise<T> {
    return this.scriptVia('run', script, keys, args, budget);
  }

  /** Like {@link script}, with bulk replies as Buffers. */
  scriptBuffer<T = unknown>(script: LuaScript, keys: string[], args: ScriptArg[] = [], budget = this.commandTimeout): Promise<T> {
    return this.scriptVia('runBuffer', script, keys, args, budget);
  }

  /**
   * Runs `fn` on `client` (this connection's, or a duplicate such as a capability's own
   * client) with the rules of {@link run}: the circuit, waiting for readiness, the budget.
   */
  call<T, C extends RedisClient>(client: C, budget: number, fn: (client: C) => Promise<T>): Promise<T> {
    if (!this.breaker.admits) return Promise.reject(this.breaker.openError());
    // 'wait': a cluster node's client that connects on its first command.
    if (client.status !== 'ready' && client.status !== 'wait') return this.afterReady(client, budget, fn);
    // An argument error thrown by `fn` before anything is sent propagates as it is.
    return settleWithin(fn(client), budget, this.breaker, this.address);
  }

  /**
   * The Redis time by which a script with side effects, sent now within `budget` ms, must run.
   * Redis' clock is read again (in the background) when the last reading is over 30 s old.
   */
  deadline(budget = this.commandTimeout): number {
    if (!this.clock.fresh) this.readClock();
    return deadlineWithin(this.clock.now(), budget);
  }

  /** One PING within `budget` ms, outside the circuit (the breaker's probe, health checks). */
  ping(budget = this.commandTimeout): Promise<unknown> {
    return settleWithin(this.client.ping(), budget, { recordSuccess() {}, recordFailure() {} }, this.address);
  }

  private scriptVia<T>(method: 'run' | 'runBuffer', script: LuaScript, keys: string[], args: ScriptArg[], budget: number): Promise<T> {
    if (script.deadline) args = [...args, this.deadline(budget)];
    return this.call(this.client, budget, () => {
      const pending = this.scripts[method]<T>(script, keys, args);
      if (!this.isCluster) return pending;
      return pending.catch((e) => this.retryRedirected(e, () => this.redirectScripts![method]<T>(script, keys, args)));
    });
  }

  // Until the first reading (see RedisClock.observeReading), deadlines use this machine's clock.
  private clockReading?: Promise<void>;
  private readClock(): void {
    if (this.clockReading || this.client.status !== 'ready') return;
    const sent = performance.now();
    this.clockReading = this.client.time().then(
      ([seconds, micros]) => void this.clock.observeReading(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), sent),
      () => undefined, // read again by the next deadline
    );
    void this.clockReading.finally(() => (this.clockReading = undefined));
  }

  // The connection is down or still connecting: wait for it within the budget, then send with
  // what is left of it. A command is handed to ioredis only while it is ready (so not queued
  // for later), except in the one tick an auto-pipeline waits: scripts with side effects carry
  // a deadline in Redis time for that case.
  private afterReady<T, C extends RedisClient>(client: C, budget: number, fn: (client: C) => Promise<T>): Promise<T> {
    const started = performance.now();
    return readyWithin(client, budget, this.address).then(
      () => this.call(client, Math.max(1, budget - (performance.now() - started)), fn),
      (error: unknown) => {
        this.breaker.recordFailure(error);
        throw error;
      },
    );
  }

  /** The masters to visit for keyspace-wide work (SCAN): every master of a cluster, else the client. */
  masters(): Redis[] {
    return this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
  }

  /**
   * A second client with the same options (a subscriber, a blocking reader), connected and
   * closed together with this one; resolves once it is ready, rejects with
   * `RediskitConnectionError` when it is not ready within `timeout` (default: this
   * connection's `connectTimeout`). `overrides` are ioredis options applied on top; `tuning`
   * replaces the reconnect backoff and, on a cluster, adds ioredis ClusterOptions.
   */
  async duplicate(
    purpose: string,
    overrides: RedisConnectionOptions['redisOptions'] = {},
    timeout = this.connectTimeout,
    tuning: DuplicateTuning = {},
  ): Promise<RedisClient> {
    const client = this.createDuplicate(purpose, overrides, tuning);
    try {
      await connectClient(client, this.address, timeout);
    } catch (error) {
      this.duplicates.delete(client);
      throw error;
    }
    return client;
  }

  /**
   * Like {@link duplicate}, without waiting: returns the client at once while it connects, and
   * ioredis keeps reconnecting with backoff when Redis is away, as every client does after
   * boot. For capabilities that open their connection on first use. `connected` settles with
   * the first attempt: resolved once ready, rejected when that attempt failed (the client
   * goes on retrying).
   *
   * @example
   * const { client, connected } = connection.open('rate-limit', { enableOfflineQueue: false });
   */
  open(purpose: string, overrides: RedisConnectionOptions['redisOptions'] = {}, tuning: DuplicateTuning = {}): { client: RedisClient; connected: Promise<void> } {
    const client = this.createDuplicate(purpose, overrides, tuning);
    const connected = client.connect();
    connected.catch(() => undefined);
    return { client, connected };
  }

  /**
   * Like {@link open}, to one node: on a cluster, a plain client to the master at `node` (with
   * the connection's credentials, TLS and `redisOptions`), for work that must reach every
   * master itself (client-side caching); elsewhere, to the connection's own target (`node` is
   * ignored). Closed with the connection, or earlier by {@link release}.
   */
  openNode(purpose: string, node: RedisNodeAddress | undefined, overrides: RedisConnectionOptions['redisOptions'] = {}): RedisClient {
    if (!this.isCluster || !node) return this.open(purpose, overrides).client;
    if (this.closed) throw new RediskitConnectionError(`Redis connection "${this.name}" is closed: cannot open "${purpose}"`);
    const { cluster: _cluster, ...rest } = this.options as ClusterConnectionOptions;
    const options: StandaloneConnectionOptions = { ...rest, host: node.host, port: node.port, redisOptions: { ...rest.redisOptions, ...overrides } };
    const client = this.watch(createClient(`${this.name}:${purpose}`, options));
    this.duplicates.add(client);
    client.connect().catch(() => undefined);
    return client;
  }

  /** Closes a client this connection opened (a node that left the cluster) before the connection closes. */
  async release(client: RedisClient): Promise<void> {
    this.duplicates.delete(client);
    await closeClient(client);
  }

  /** QUIT every client (replies in flight still arrive), then waits until each socket is closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.breaker.dispose();
    await Promise.all([this.client, ...this.duplicates].map(closeClient));
  }

  private createDuplicate(purpose: string, overrides: RedisConnectionOptions['redisOptions'], tuning: DuplicateTuning): RedisClient {
    if (this.closed) throw new RediskitConnectionError(`Redis connection "${this.name}" is closed: cannot open "${purpose}"`);
    const options = { ...this.options, redisOptions: { ...this.options.redisOptions, ...overrides } } as RedisConnectionOptions;
    if (tuning.reconnect) options.reconnect = tuning.reconnect;
    if (tuning.cluster && 'cluster' in options && options.cluster) options.cluster = { ...options.cluster, ...tuning.cluster };
    const client = this.watch(createClient(`${this.name}:${purpose}`, options));
    this.duplicates.add(client);
    return client;
  }

  // ioredis' auto-pipelining fails every command of a pipeline that mixes ASK/MOVED replies
  // with successful writes (ioredis #2075), which happens while a slot migrates. A redirected
  // command was not executed, so it is safe to send again on a client that does not pipeline
  // automatically and follows ASK/MOVED per command. The same holds for NOSCRIPT: after a
  // node restarts, an auto-pipelined EVALSHA reaches its empty script cache without ioredis'
  // EVAL fallback; the script did not run, and the other client falls back to EVAL.
  private retryRedirected<T>(error: unknown, again: () => Promise<T>): Promise<T> {
    if (!this.isCluster || !/^(ASK|MOVED|TRYAGAIN|NOSCRIPT) /.test((error as Error)?.message ?? '')) return Promise.reject(error);
    this.redirects();
    return again();
  }

  private redirects(): RedisClient {
    if (!this.redirectClient) {
      const o = this.options as ClusterConnectionOptions;
      this.redirectClient = this.watch(createClient(`${this.name}:redirects`, { ...o, cluster: { ...o.cluster, enableAutoPipelining: false } }));
      this.redirectScripts = new ScriptRunner(this.redirectClient);
      this.duplicates.add(this.redirectClient);
    }
    return this.redirectClient;
  }

  private watch<C extends RedisClient>(client: C): C {
    return guardClient(client, this.guards, this.outage);
  }
}
