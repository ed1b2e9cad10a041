import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RediskitConnectionError } from '../errors.js';
import type { LuaScript } from '../scripts/lua-script.js';
import { ScriptRunner, type ScriptArg } from '../scripts/script-runner.js';
import { keySecretScript } from './rate-limit-key-secret.lua.js';
import { throttlerIncrementScript } from './rate-limit-throttler-increment.lua.js';

/**
 * ioredis settings of the limiter's own connection. A limiter command must run once or not at
 * all: a command replayed after a reconnect would count a request twice (and one queued while
 * Redis is down would count a request the failure policy already decided). So: no offline
 * queue (fail at once while disconnected), no resending of commands that were in flight when
 * the socket dropped, no retries.
 *
 * On a cluster, node connections never reconnect (ioredis drops them and refreshes the slots),
 * and the limiter only sends while the cluster is `ready`; what remains is to not resend a
 * command that failed with "Connection is closed" (`retryDelayOnFailover: 0`) and to follow
 * ASK/MOVED per command (no auto-pipelining: a redirected command was not executed, so
 * following it is safe). The cluster-level queue stays on because ioredis also uses it for a
 * node connection's very first connect, which is not a replay.
 */
export const LIMITER_CLIENT_OPTIONS = { enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 } as const;
export const LIMITER_CLUSTER_OPTIONS = { retryDelayOnFailover: 0, enableAutoPipelining: false } as const;

/** The limiter's own client and its script runner. */
interface LimiterLink {
  client: RedisClient;
  runner: ScriptRunner;
}

/**
 * The rate limiter's own connection (`<connection>:rate-limit`, see
 * {@link LIMITER_CLIENT_OPTIONS}): every call runs through the circuit breaker within the
 * limiter's budget, and is refused at once when the connection is not ready (never queued).
 */
export class LimiterConnection {
  private link?: LimiterLink;

  constructor(
    readonly connection: RedisConnection,
    /** How long a call may wait for Redis before the failure policy decides. */
    readonly budget: number,
  ) {}

  /** Opens the connection now; rejects when Redis does not answer (boot with a `rateLimit` section). */
  async open(): Promise<void> {
    this.link = linkTo(await this.connection.duplicate('rate-limit', LIMITER_CLIENT_OPTIONS, undefined, { cluster: LIMITER_CLUSTER_OPTIONS }));
  }

  /** The limiter's client; reading it opens the connection if not yet open. */
  get client(): RedisClient {
    return this.opened().client;
  }

  /** A deadline in Redis time, `budget` from now (for scripts that take one). */
  deadline(): number {
    return this.connection.deadline(this.budget);
  }

  /** Runs a Redis call on the limiter's client (see the class). */
  execute<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    let link: LimiterLink;
    try {
      link = this.opened();
    } catch (error) {
      return Promise.reject(error);
    }
    // A decision never waits for a reconnect: the failure policy answers at once. Only a
    // connection making its first attempt (opened on first use) is waited for, within the budget.
    const { status } = link.client;
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      const down = new RediskitConnectionError(`Rate-limit connection to ${this.connection.address} is ${status}`);
      this.connection.breaker.recordFailure(down);
      return Promise.reject(down);
    }
    return this.connection.call(link.client, this.budget, call);
  }

  /** Runs a rate-limit Lua script like {@link execute}. */
  runScript<T>(script: LuaScript, keys: string[], args: ScriptArg[]): Promise<T> {
    const withDeadline = script.deadline ? [...args, this.deadline()] : args;
    return this.execute(() => this.link!.runner.run<T>(script, keys, withDeadline));
  }

  /**
   * The limiter's client, opened on first use. Concurrent first calls share one connection:
   * it is created synchronously here, and calls wait for it within their budget.
   */
  private opened(): LimiterLink {
    if (!this.link) this.link = linkTo(this.connection.open('rate-limit', LIMITER_CLIENT_OPTIONS, { cluster: LIMITER_CLUSTER_OPTIONS }).client);
    return this.link;
  }
}

function linkTo(client: RedisClient): LimiterLink {
  return { client, runner: new ScriptRunner(client).define(throttlerIncrementScript, keySecretScript) };
}
