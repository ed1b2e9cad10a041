import { RediskitLogger } from '../context/rediskit-logger.js';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { pause } from './lock-retry.js';

interface Waiter {
  woken: boolean;
  wake?: () => void;
}

/**
 * Wakes waiters when a release hands them the lock. The release script reserves the lock for
 * the first queued waiter and publishes its token on the hand-off channel; this subscriber (a
 * second connection, `<connection>:lock-handoff`, opened at the first contended acquire)
 * ends that waiter's pause at once. Notifications are an optimisation: a lost one (the
 * subscriber reconnecting) costs the waiter one retry pause, after which its next try finds
 * the reservation.
 */
export class LockWakeups {
  private readonly waiters = new Map<string, Waiter>();
  private subscribed?: Promise<void>;
  private up = false;
  private readonly logger = new RediskitLogger('LockWakeups');

  constructor(
    private readonly connection: RedisConnection,
    private readonly channel: string,
    /** How long the first contended acquire waits for the subscription before polling instead. */
    private readonly budget: number,
  ) {}

  /** True while subscribed: a hand-off published now reaches this process. */
  get listening(): boolean {
    return this.up;
  }

  /**
   * Opens and subscribes the subscriber on first use; resolves once subscribed or after the
   * budget, whichever comes first (waiters then poll until it is up).
   */
  async listen(): Promise<void> {
    if (this.up) return;
    if (!this.subscribed) this.subscribed = this.open();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.budget)))]);
    clearTimeout(timer);
  }

  /** Registers a waiter before its first try, so a hand-off that arrives before it pauses is kept. */
  expect(token: string): void {
    this.waiters.set(token, { woken: false });
  }

  forget(token: string): void {
    this.waiters.delete(token);
  }

  /** Pauses up to `ms`; returns early when the lock is handed to `token`. Rejects when `signal` aborts. */
  async wait(token: string, ms: number, signal?: AbortSignal): Promise<void> {
    const waiter = this.waiters.get(token);
    if (!waiter || !this.up) return pause(ms, signal);
    if (waiter.woken) {
      waiter.woken = false;
      return;
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    waiter.wake = () => controller.abort('woken');
    try {
      await pause(ms, controller.signal);
    } catch (reason) {
      if (reason !== 'woken') throw reason;
    } finally {
      waiter.wake = undefined;
      waiter.woken = false;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private open(): Promise<void> {
    let sub: RedisClient;
    try {
      sub = this.connection.open('lock-handoff', { enableAutoPipelining: false }).client;
    } catch (error) {
      // The connection is closed (shutdown): waiters poll.
      this.logger.debug(`not started: ${(error as Error).message}`);
      return new Promise<void>(() => undefined);
    }
    sub.on('message', (channel: string, token: string) => {
      if (channel === this.channel) this.woken(token);
    });
    const down = () => (this.up = false);
    sub.on('close', down);
    sub.on('reconnecting', down);
    sub.on('end', down);
    return new Promise<void>((resolve) => {
      const subscribe = () =>
        sub.subscribe(this.channel).then(
          () => {
            this.up = true;
            resolve();
          },
          () => undefined,
        );
      // ioredis resubscribes by itself after a reconnect; subscribing again tells us when it is done.
      sub.on('ready', subscribe);
      if (sub.status === 'ready') void subscribe();
    });
  }

  private woken(token: string): void {
    const waiter = this.waiters.get(token);
    if (!waiter) return;
    waiter.woken = true;
    waiter.wake?.();
  }
}
