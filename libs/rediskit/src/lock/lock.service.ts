import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RedisRegistry } from '../connection/redis.registry.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { LockLostError, LockNotAcquiredError, RediskitArgumentError } from '../errors.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { Duration } from '../options/duration.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { LockBackend, QueueRequest } from './lock.backend.js';
import { LockCommands } from './lock.commands.js';
import { LockMetrics } from './lock.metrics.js';
import { LockWakeups } from './lock-wakeups.js';
import type { LockModuleOptions, LockOptions, WithLockOptions } from './lock.options.js';
import { pause, pauseBeforeRetry, retryPolicy, type RetryPolicy } from './lock-retry.js';
import { resolveLockSettings, validTtl } from './lock.settings.js';
import { Lock, type Lease, type LockIssuer } from './lock.js';
import { RedlockBackend } from './redlock.backend.js';
import { SingleLockBackend } from './single-lock.backend.js';
import { Tracing } from '../tracing/tracing.js';
import { LockTracing } from './lock.tracing.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** How long a waiter's queue entry outlives its retry pause. */
const QUEUE_SLACK_MS = 500;

/** What `withLock` makes available to code running inside it (see {@link LockService.current}). */
export interface LockContext {
  lock: Lock;
  signal: AbortSignal;
}

/**
 * Distributed locks with fencing tokens. Every acquisition is one Redis round trip that also
 * issues a fencing token; only the owner can extend or release; `withLock` keeps the lease
 * alive and aborts the routine's signal as soon as the lease is lost.
 *
 * Failure policy: when Redis is down or the circuit is open, `acquire`, `tryAcquire` and
 * `withLock` throw (`RediskitConnectionError` / `RediskitCircuitOpenError`) — a lock is never
 * reported as taken unless Redis confirmed it.
 *
 * @example
 * await locks.withLock(`order:${id}`, async (signal, lock) => {
 *   await orders.ship(id, { fencingToken: lock.fencingToken, signal });
 * }, { ttl: '10s' });
 */
export class LockService {
  private readonly logger = new RediskitLogger('LockService');
  private readonly backend: LockBackend;
  private readonly metrics: LockMetrics;
  private readonly traces: LockTracing;
  private readonly defaultTtl: number;
  private readonly defaultRetry: RetryPolicy;
  private readonly tryOnce: RetryPolicy;
  private readonly driftFactor: number;
  private readonly wakeups?: LockWakeups;
  // Per instance, not global: lets @WithLock methods reach their lock and signal.
  private readonly context = new AsyncLocalStorage<LockContext>();
  private readonly issuer: LockIssuer = {
    renew: (lock, ttl) => this.traces.extend(lock, () => this.renew(lock, ttl)),
    release: (lock) => this.traces.release(lock, () => this.backend.release(lock.resource, lock.token)),
    lost: (lock, error) => {
      this.metrics.lost.inc();
      this.logger.warn(error.message);
    },
  };

  constructor(registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, options: LockModuleOptions = {}, tracing: Tracing = Tracing.off) {
    const settings = resolveLockSettings(options);
    const keys = keyspace.scope('lock');
    const commandsOn = (connection: RedisConnection) => new LockCommands(connection, keys, settings.commandTimeout ?? connection.commandTimeout);
    this.backend = settings.redlock
      ? new RedlockBackend(settings.redlock.connections.map((name) => commandsOn(registry.get(name))))
      : new SingleLockBackend(commandsOn(registry.get(settings.connection)));
    this.metrics = new LockMetrics(metrics, this.backend.mode);
    this.traces = new LockTracing(tracing, this.backend.mode);
    this.defaultTtl = settings.defaultTtl;
    this.defaultRetry = settings.retry;
    this.tryOnce = { ...this.defaultRetry, attempts: 0 };
    this.driftFactor = settings.driftFactor;
    const handOffs = this.backend.handOffs;
    if (handOffs) this.wakeups = new LockWakeups(handOffs.connection, handOffs.channel, handOffs.budget);
  }

  // On Node 20 an entered AsyncLocalStorage slows every async operation of the process until disabled.
  onApplicationShutdown(): void {
    this.context.disable();
  }

  /** `single` (one connection) or `redlock` (a majority of several). */
  get mode(): 'single' | 'redlock' {
    return this.backend.mode;
  }

  /**
   * Takes the lock, waiting per `retry` while someone else holds it. Rejects with
   * `LockNotAcquiredError` when the retries run out, with the signal's reason when `signal`
   * is aborted, and with a connection error when Redis is away.
   *
   * @example
   * const lock = await locks.acquire('nightly-report', { ttl: '2m', retry: { attempts: 10, delay: '1s' } });
   */
  async acquire(resource: string, options: LockOptions = {}): Promise<Lock> {
    const retry = retryPolicy(options.retry, this.defaultRetry);
    const lock = await this.traces.acquire(() => this.take(resource, options, retry));
    if (typeof lock === 'number') throw new LockNotAcquiredError(resource, lock);
    return lock;
  }

  /**
   * Like {@link acquire} but resolves `null` instead of throwing when the lock is held. Tries
   * once unless `retry` says otherwise.
   *
   * @example
   * const lock = await locks.tryAcquire('cron:cleanup', { ttl: '5m' });
   * if (!lock) return; // another instance runs it
   */
  async tryAcquire(resource: string, options: LockOptions = {}): Promise<Lock | null> {
    const lock = await this.traces.acquire(() => this.take(resource, options, retryPolicy(options.retry, this.tryOnce)));
    return typeof lock === 'number' ? null : lock;
  }

  /**
   * Runs `fn` while holding the lock and releases it in `finally`. The lease is extended
   * automatically; when it is lost (another holder took it, or no extension was confirmed
   * before the local lease ended) `signal` is aborted with a `LockLostError`.
   *
   * Outcome: the routine's own error is rethrown as is (a release failure is only logged).
   * If the lease was lost before the routine finished, `LockLostError` is thrown even when
   * the routine returned normally. Otherwise its result is returned, even when the release
   * failed (the lease then ends after its ttl).
   *
   * @example
   * const total = await locks.withLock(`account:${id}`, async (signal, lock) => {
   *   return ledger.post(entries, { fence: lock.fencingToken, signal });
   * }, LockPresets.PAYMENT);
   */
  async withLock<T>(resource: string, fn: (signal: AbortSignal, lock: Lock) => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
    const lock = await this.acquire(resource, options);
    const controller = new AbortController();
    const outer = options.signal;
    const forward = () => controller.abort(outer!.reason);
    outer?.addEventListener('abort', forward, { once: true });
    const keeper = new LeaseKeeper(lock, controller, options.autoExtend !== false);
    keeper.start();
    let result: T;
    try {
      result = await this.context.run({ lock, signal: controller.signal }, () => fn(controller.signal, lock));
    } catch (error) {
      keeper.stop();
      await this.releaseQuietly(lock);
      throw error;
    } finally {
      outer?.removeEventListener('abort', forward);
    }
    keeper.stop();
    // Did the routine finish inside a confirmed lease? (Timers can fire late on a busy loop.)
    if (lock.isHeld && lock.remainingMs <= 0) lock.markLost(new LockLostError(resource, 'the local lease ended while the routine ran'));
    const lost = lock.lostReason;
    await this.releaseQuietly(lock);
    if (lost) throw lost;
    return result;
  }

  /**
   * The lock and signal of the innermost `withLock` (or `@WithLock` method) running in the
   * current async context, if any.
   *
   * @example
   * @WithLock({ key: 'export:{0}' })
   * async export(id: string) {
   *   const { signal, lock } = this.locks.current()!;
   * }
   */
  current(): LockContext | undefined {
    return this.context.getStore();
  }

  /**
   * Whether someone holds the lock now (on a majority of servers in Redlock mode).
   *
   * @example
   * if (await locks.isLocked('migration')) return 'busy';
   */
  async isLocked(resource: string): Promise<boolean> {
    return this.backend.isLocked(validResource(resource));
  }

  /**
   * For operators: deletes the lock whoever holds it. The holder learns it at its next
   * extension or release; the fence counter is kept, so tokens keep increasing.
   *
   * @example
   * await locks.forceRelease('stuck-job'); // true when a lock was deleted
   */
  async forceRelease(resource: string): Promise<boolean> {
    const deleted = await this.backend.forceRelease(validResource(resource));
    if (deleted) this.logger.warn(`Lock "${resource}" was force-released`);
    return deleted;
  }

  /** The lock, or how many tries failed. */
  private async take(resource: string, options: LockOptions, retry: RetryPolicy): Promise<Lock | number> {
    validResource(resource);
    const ttl = options.ttl === undefined ? this.defaultTtl : validTtl(options.ttl, 'ttl');
    const validity = ttl - this.drift(ttl);
    const signal = options.signal;
    const token = randomUUID();
    const started = performance.now();
    // Callers that will wait queue up and are woken by the release (single mode); a caller
    // that tries once never queues.
    const wakeups = retry.attempts > 0 ? this.wakeups : undefined;
    wakeups?.expect(token);
    let queued = false;
    try {
      for (let tries = 1; ; tries++) {
        signal?.throwIfAborted();
        const last = tries > retry.attempts;
        // The entry outlives the pause (plus a slack for a busy event loop): a waiter that
        // vanished holds the queue up for at most that long.
        const queue: QueueRequest | undefined = wakeups && { forMs: last ? 0 : retry.delay + retry.jitter + QUEUE_SLACK_MS, queued };
        const sentAt = performance.now();
        const sentWall = Date.now();
        const outcome = await this.backend.tryAcquire(resource, token, ttl, sentAt + validity, queue);
        if (queue) queued = queue.forMs > 0;
        let heldForMs = 0;
        if (outcome.acquired) {
          queued = false;
          if (performance.now() < sentAt + validity) {
            this.metrics.acquired.inc();
            return new Lock(this.issuer, resource, token, outcome.fencingToken, ttl, { deadline: sentAt + validity, expiresAt: sentWall + validity });
          }
          // The reply took longer than the lease: nothing of it is left to use.
          await this.backend.release(resource, token).catch(() => undefined);
        } else {
          this.metrics.contended.inc();
          heldForMs = outcome.heldForMs;
        }
        const wait = pauseBeforeRetry(retry, heldForMs);
        if (last || (retry.maxWait !== undefined && performance.now() + wait - started > retry.maxWait)) return tries;
        if (wakeups && !wakeups.listening) {
          await wakeups.listen();
          // Subscribed just now: a hand-off published before it was missed, so look again at once.
          if (wakeups.listening) continue;
        }
        await (wakeups ? wakeups.wait(token, wait, signal) : pause(wait, signal));
      }
    } finally {
      wakeups?.forget(token);
      // Gave up (retries, maxWait, signal, Redis error) while queued: leave the queue, and pass
      // the lock on if it was just handed to us.
      if (queued) void this.backend.release(resource, token).catch(() => undefined);
    }
  }

  private async renew(lock: Lock, ttlArg: Duration | undefined): Promise<Lease> {
    const ttl = ttlArg === undefined ? lock.ttl : validTtl(ttlArg, 'ttl');
    const validity = ttl - this.drift(ttl);
    const sentAt = performance.now();
    const sentWall = Date.now();
    const outcome = await this.backend.extend(lock.resource, lock.token, ttl, sentAt + validity);
    if (outcome === 'lost') throw new LockLostError(lock.resource, 'it expired or another holder has it');
    return { deadline: sentAt + validity, expiresAt: sentWall + validity };
  }

  // Redis expires keys with 1 ms precision and clocks drift: the local lease ends this much earlier.
  private drift(ttl: number): number {
    return Math.round(ttl * this.driftFactor) + 2;
  }

  // Waits for the release at most until the lease would end anyway, so a hung Redis cannot
  // hold withLock's caller longer than the lease.
  private async releaseQuietly(lock: Lock): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const leaseOver = new Promise<'lease over'>((resolve) => (timer = setTimeout(resolve, Math.max(0, lock.remainingMs), 'lease over')));
    try {
      if ((await Promise.race([lock.release(), leaseOver])) === 'lease over' && lock.remainingMs > 0) {
        this.logger.warn(`Release of lock "${lock.resource}" got no answer; the lease ends on its own`);
      }
    } catch (error) {
      this.logger.warn(`Could not release lock "${lock.resource}" (it ends on its own within ${lock.ttl} ms): ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function validResource(resource: string): string {
  if (typeof resource !== 'string' || resource.length === 0) {
    throw new RediskitArgumentError('resource', `must be a non-empty string, got ${JSON.stringify(resource)}`);
  }
  return resource;
}
