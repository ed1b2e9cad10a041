import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsNotEmpty, IsNumber, IsOptional, IsString, Max, Min, ValidateBy, ValidateNested } from 'class-validator';
import { MAX_TIMER_MS, type Duration } from '../options/duration.js';
import { IsDuration } from '../options/is-duration.decorator.js';

/** How `acquire` waits for a held lock. */
export interface LockRetryOptions {
  /** Retries after the first try: 0 tries once, `Infinity` retries until `maxWait` or the signal. @default 3 */
  attempts?: number;
  /** Pause between tries; shortened to the holder's remaining lease when that is sooner. @default 100 ms */
  delay?: Duration;
  /** A random 0..jitter added to each pause so waiters do not retry in lockstep. @default 50 ms */
  jitter?: Duration;
  /** Give up once this much time has passed since the first try. @default no limit */
  maxWait?: Duration;
}

/**
 * Options of one `acquire` / `tryAcquire` / `withLock` call.
 *
 * @example
 * await locks.acquire('invoice:7', { ttl: '10s', retry: { attempts: 5, delay: 200 }, signal: AbortSignal.timeout(3000) });
 */
export interface LockOptions {
  /** Lease length. @default `lock.defaultTtl`, 30 s */
  ttl?: Duration;
  /** How to wait while the lock is held. @default `lock.retry` */
  retry?: LockRetryOptions;
  /** Aborting it stops the waiting (`acquire` rejects with the signal's reason) and, in `withLock`, aborts the routine's signal. @default none */
  signal?: AbortSignal;
}

/** Options of `withLock`: a {@link LockOptions} plus lease keeping. */
export interface WithLockOptions extends LockOptions {
  /** Extend the lease while the routine runs. @default true */
  autoExtend?: boolean;
}

/** Redlock: a lock counts as held when a majority of independent Redis servers granted it. */
export interface RedlockOptions {
  /** Names of the connections (from `connections`, or `default`) to lock on; use an odd number, 3 or 5. */
  connections: string[];
}

/**
 * The `lock` section of the module options.
 *
 * @example
 * RedisModule.forRoot({ connection, lock: { defaultTtl: '15s', retry: { attempts: 5 } } })
 */
export interface LockModuleOptions {
  /** The named connection locks live on; ignored with `redlock`. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /** Lease length when a call gives none. @default 30 s */
  defaultTtl?: Duration;
  /** Retry policy when a call gives none. @default `{ attempts: 3, delay: 100, jitter: 50 }` */
  retry?: LockRetryOptions;
  /**
   * Share of the TTL assumed lost to clock drift between Redis and this process; the local
   * lease ends `ttl * driftFactor + 2 ms` before Redis'.
   * @default 0.01
   */
  driftFactor?: number;
  /** Lock on a majority of independent servers instead of one connection. */
  redlock?: RedlockOptions;
}

const isAttempts = (v: unknown) => v === Infinity || (Number.isInteger(v) && (v as number) >= 0);

export class LockRetryOptionsDto {
  @IsOptional()
  @ValidateBy({ name: 'isAttempts', validator: { validate: isAttempts, defaultMessage: (a) => `${a?.property} must be an integer ≥ 0 or Infinity` } })
  attempts?: number;
  @IsOptional() @IsDuration() delay?: Duration;
  @IsOptional() @IsDuration() jitter?: Duration;
  @IsOptional() @IsDuration() maxWait?: Duration;
}

export class RedlockOptionsDto {
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) @IsNotEmpty({ each: true }) connections: string[];
}

/** Validates the `lock` section at boot. */
export class LockModuleOptionsDto {
  @IsOptional() @IsString() @IsNotEmpty() connection?: string;
  @IsOptional() @IsDuration() commandTimeout?: Duration;
  @IsOptional() @IsDuration(undefined, MAX_TIMER_MS) defaultTtl?: Duration;
  @IsOptional() @ValidateNested() @Type(() => LockRetryOptionsDto) retry?: LockRetryOptionsDto;
  @IsOptional() @IsNumber() @Min(0) @Max(0.5) driftFactor?: number;
  @IsOptional() @ValidateNested() @Type(() => RedlockOptionsDto) redlock?: RedlockOptionsDto;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Locks (`LockService`, `@WithLock`). */
    lock?: LockModuleOptions;
  }
}
