import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Keyspace } from '../keyspace/keyspace.js';
import type { RawDecision } from './memory-rate-limiter.js';
import type { ResolvedPolicy } from './rate-limit.policy.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { throttlerIncrementScript } from './rate-limit-throttler-increment.lua.js';

/** What `ThrottlerStorage.increment` resolves to (the shape of @nestjs/throttler's ThrottlerStorageRecord). */
export interface ThrottlerRecord {
  totalHits: number;
  /** Seconds until the hit window ends. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until the block ends. */
  timeToBlockExpire: number;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * A @nestjs/throttler `ThrottlerStorage` on Redis, so an app on @nestjs/throttler shares its
 * limits across instances by changing one line. `ttl` and `blockDuration` come in milliseconds,
 * `timeToExpire` and `timeToBlockExpire` go out in seconds, as the package's own storage does.
 * Each call is one script on one slot, on the rate limiter's connection (never replayed after a
 * reconnect), and the `rateLimit.failure` policy decides while Redis is away.
 *
 * @example
 * ThrottlerModule.forRootAsync({
 *   inject: [RediskitThrottlerStorage],
 *   useFactory: (storage: RediskitThrottlerStorage) => ({ throttlers: [{ ttl: 60_000, limit: 10 }], storage }),
 * })
 */
@Injectable()
export class RediskitThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly limiter: RateLimiterService,
    private readonly keyspace: Keyspace,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerRecord> {
    const ttlMs = Math.max(1, Math.ceil(ttl));
    const blockMs = Math.max(0, Math.ceil(blockDuration));
    const keys = [this.keyspace.slotted('throttler', key, throttlerName, 'hits'), this.keyspace.slotted('throttler', key, throttlerName, 'block')];
    try {
      const [totalHits, expireMs, blocked, blockLeftMs] = await this.limiter.runScript<[number, number, number, number]>(throttlerIncrementScript, keys, [ttlMs, limit, blockMs]);
      this.limiter.noteRecovered();
      return { totalHits, timeToExpire: seconds(expireMs), isBlocked: blocked === 1, timeToBlockExpire: seconds(blockLeftMs) };
    } catch (error) {
      const mode = this.limiter.failure;
      this.limiter.noteFallback(`throttler:${throttlerName}`, mode, error);
      if (mode === 'open') return { totalHits: 1, timeToExpire: seconds(ttlMs), isBlocked: false, timeToBlockExpire: 0 };
      if (mode === 'closed') return { totalHits: limit + 1, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 1 };
      const policy: ResolvedPolicy = { name: `throttler:${throttlerName}`, algorithm: 'fixed-window', limit, windowMs: ttlMs, cost: 1, capacity: limit, blockMs };
      const [allowed, remaining, resetMs, retryMs]: RawDecision = this.limiter.memory.decide(key, policy, 1, true);
      return { totalHits: limit - remaining + (allowed ? 0 : 1), timeToExpire: seconds(resetMs), isBlocked: allowed === 0, timeToBlockExpire: allowed ? 0 : seconds(retryMs) };
    }
  }
}
