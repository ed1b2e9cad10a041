/**
 * Every error nestjs-rediskit throws is a `RediskitError` with a stable `code` (one of
 * {@link RediskitErrorCode}), so callers branch on `err.code` or `instanceof` instead of
 * parsing messages. HTTP answers come from errors shaped for Nest's own exception filter
 * (503 for unavailability) or from the guards' exceptions, which carry a code too.
 *
 * @example
 * try { await cache.set('', 1) } catch (e) { if (e instanceof RediskitError && e.code === 'INVALID_ARGUMENT') ... }
 */

/** The `code` of every error the library throws. */
export type RediskitErrorCode =
  // options and arguments
  | 'INVALID_OPTIONS'
  | 'INVALID_ARGUMENT'
  | 'INVALID_DECORATOR'
  | 'NOT_CONFIGURED'
  // Redis
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'CIRCUIT_OPEN'
  | 'COMMAND'
  | 'SERIALIZATION'
  // capabilities
  | 'VALUE_TOO_LARGE'
  | 'LOADER_TIMEOUT'
  | 'INVALIDATION_FAILED'
  | 'LOCK_NOT_ACQUIRED'
  | 'LOCK_LOST'
  | 'MESSAGE_TOO_LARGE'
  | 'SESSION_STORE_UNAVAILABLE'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'RATE_LIMITER_UNAVAILABLE'
  | 'IDEMPOTENCY_KEY_MISSING'
  | 'IDEMPOTENCY_KEY_INVALID'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'IDEMPOTENCY_KEY_MISMATCH'
  | 'IDEMPOTENCY_NOT_REPLAYABLE'
  | 'IDEMPOTENCY_CLIENT_UNKNOWN'
  | 'IDEMPOTENCY_UNAVAILABLE'
  | 'EDGE_PURGE_FAILED';

/**
 * The base class: a stable `code`, the message, and the cause when there is one.
 */
export class RediskitError extends Error {
  constructor(
    readonly code: RediskitErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Module options are invalid; `problems` lists every bad field. */
export class RediskitConfigError extends RediskitError {
  constructor(readonly problems: string[]) {
    super('INVALID_OPTIONS', `Invalid nestjs-rediskit options:\n  - ${problems.join('\n  - ')}`);
  }
}

/** An argument passed to a rediskit API is invalid; the message names the argument. */
export class RediskitArgumentError extends RediskitError {
  constructor(
    readonly argument: string,
    problem: string,
  ) {
    super('INVALID_ARGUMENT', `${argument} ${problem}`);
  }
}

/**
 * Redis could not be reached (boot, or a command while the connection is down). Shaped as an
 * http-errors error (`status` = `statusCode` = 503, `expose` false), so Nest's own exception
 * filter, Express and Fastify answer `503 Service Unavailable` — without the message, which
 * names a Redis address — when a handler lets it through.
 */
export class RediskitConnectionError extends RediskitError {
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;
  constructor(message: string, options?: { cause?: unknown }, code: RediskitErrorCode = 'CONNECTION') {
    super(code, message, options);
  }
}

/**
 * A Redis call did not settle within its time budget (the capability's `commandTimeout`):
 * Redis is slow or hung, or the connection was not ready in time. The command may still run
 * later; capabilities whose commands have side effects send them with a deadline in Redis
 * time, so those do nothing when they run late.
 */
export class RediskitTimeoutError extends RediskitConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'TIMEOUT');
  }
}

/** Redis answered a command with an error (a script error, WRONGTYPE, OOM, NOPERM...). */
export class RediskitCommandError extends RediskitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('COMMAND', message, options);
  }
}

/** The circuit breaker is open: the call failed fast without touching Redis (HTTP 503, as {@link RediskitConnectionError}). */
export class RediskitCircuitOpenError extends RediskitError {
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;
  constructor(readonly connection: string) {
    super('CIRCUIT_OPEN', `Circuit breaker for Redis connection "${connection}" is open`);
  }
}

/** A value could not be serialized or deserialized; the message names the key. */
export class RediskitSerializationError extends RediskitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SERIALIZATION', message, options);
  }
}

/** A decorator is misused (not on a method, missing required options); thrown when the class is defined. */
export class RediskitDecoratorError extends RediskitError {
  constructor(message: string) {
    super('INVALID_DECORATOR', message);
  }
}

/** A feature was used that its options do not configure (e.g. `setBehind` without `cache.writeBehind`). */
export class RediskitNotConfiguredError extends RediskitError {
  constructor(message: string) {
    super('NOT_CONFIGURED', message);
  }
}

/** A write lost a race too many times in a row (an optimistic update); trying again may succeed. */
export class RediskitConflictError extends RediskitError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

// ---------------------------------------------------------------- cache

/**
 * A value is larger than the cache's `maxValueSize` once encoded; the message names the key.
 *
 * @example
 * try { await cache.set('report', huge) } catch (e) { if (e instanceof RediskitValueTooLargeError) log(e.size) }
 */
export class RediskitValueTooLargeError extends RediskitError {
  constructor(
    readonly key: string,
    readonly size: number,
    readonly maxSize: number,
  ) {
    super('VALUE_TOO_LARGE', `Value for cache key "${key}" is ${size} bytes encoded, over maxValueSize (${maxSize} bytes)`);
  }
}

/**
 * A `getOrSet` loader ran past its hard timeout and there was no stale value to serve. The
 * loader keeps running in the background and its result is still cached when it arrives.
 *
 * @example
 * await cache.getOrSet('slow', load, { timeout: { soft: 50, hard: 2000 } })   // may throw RediskitLoaderTimeoutError
 */
export class RediskitLoaderTimeoutError extends RediskitError {
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super('LOADER_TIMEOUT', `Loader for cache key "${key}" did not finish within ${timeoutMs} ms`);
  }
}

/**
 * An invalidation (del, invalidateTags, clear, invalidatePattern) could not reach Redis. It was
 * applied to this instance's memory layer, but other instances and Redis may still hold the
 * entries, so the caller is told.
 */
export class RediskitInvalidationError extends RediskitError {
  constructor(operation: string, options?: { cause?: unknown }) {
    super('INVALIDATION_FAILED', `Cache ${operation} could not reach Redis: ${(options?.cause as Error)?.message ?? 'unknown error'}`, options);
  }
}

// ---------------------------------------------------------------- locks

/**
 * `acquire` gave up: the resource stayed held through every retry (or `retry.maxWait`).
 *
 * @example
 * try { await locks.acquire('invoice:7') } catch (e) { if (e instanceof LockNotAcquiredError) return reply.status(409) }
 */
export class LockNotAcquiredError extends RediskitError {
  constructor(
    readonly resource: string,
    /** How many times the lock was tried. */
    readonly tries: number,
  ) {
    super('LOCK_NOT_ACQUIRED', `Lock "${resource}" is held by someone else (tried ${tries} time${tries === 1 ? '' : 's'})`);
  }
}

/**
 * The lease is no longer ours: it expired (and may have been taken by another holder), was
 * released, or could not be extended before the local lease ended. `withLock` aborts its
 * signal with this error as the reason; `Lock.extend` throws it.
 *
 * @example
 * await locks.withLock('report', async (signal) => {
 *   for (const page of pages) { signal.throwIfAborted(); await write(page) }  // throws LockLostError
 * });
 */
export class LockLostError extends RediskitError {
  constructor(
    readonly resource: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('LOCK_LOST', `Lock "${resource}" was lost: ${reason}`, options);
  }
}

// ---------------------------------------------------------------- pub/sub

/**
 * A message is larger than `pubsub.maxMessageSize` once encoded: it was not sent. Redis would
 * take it, then drop every subscriber it cannot hand it to within its `client-output-buffer-limit
 * pubsub` (by default 32 MiB at once, or 8 MiB for a minute) with every message they had not
 * read yet. `target` names the channel (never a user id).
 *
 * @example
 * try { await pubsub.publish('reports', huge) } catch (e) { if (e instanceof RediskitMessageTooLargeError) log(e.size, e.maxSize) }
 */
export class RediskitMessageTooLargeError extends RediskitError {
  constructor(
    readonly target: string,
    readonly size: number,
    readonly maxSize: number,
  ) {
    super('MESSAGE_TOO_LARGE', `Message for ${target} is ${size} bytes encoded, over pubsub.maxMessageSize (${maxSize} bytes)`);
  }
}

// ---------------------------------------------------------------- sessions

/**
 * A Redis call of the store failed (Redis down, circuit open; the Redis error is the `cause`).
 * It is shaped as an http-errors error (`status` = `statusCode` = 503, `expose` false), so
 * Express' and Nest's error handlers answer 503 rather than 500.
 *
 * @example
 * store.get(sid).catch((e) => { if (e instanceof SessionStoreUnavailableError) metrics.inc('session_store_down') });
 */
export class SessionStoreUnavailableError extends RediskitError {
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;
  constructor(cause: unknown) {
    super('SESSION_STORE_UNAVAILABLE', 'Session store unavailable', { cause });
  }
}

// ---------------------------------------------------------------- edge

/**
 * A CDN did not accept a purge: it answered `status` (undefined: no answer, e.g. refused or
 * timed out). The edge purger retries a `retryable` one (429, 5xx, no answer) with backoff,
 * waiting at least `retryAfterMs` when the CDN said so. The message never holds an API token.
 *
 * @example
 * adapter.purgeTags(tags, signal).catch((e) => { if (e instanceof RediskitEdgePurgeError && e.status === 403) alertBadToken() });
 */
export class RediskitEdgePurgeError extends RediskitError {
  /** True for 429, 5xx and network errors: worth trying again. */
  readonly retryable: boolean;
  constructor(
    /** The adapter's name (`fastly`, `cloudflare`, `varnish`...). */
    readonly provider: string,
    message: string,
    /** The HTTP status the CDN answered, if it answered. */
    readonly status?: number,
    /** How long the CDN asked to wait (`Retry-After`), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super('EDGE_PURGE_FAILED', `${provider} purge failed: ${message}`);
    this.retryable = status === undefined || status === 429 || status >= 500;
  }
}
