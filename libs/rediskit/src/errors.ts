/**
 * Every error nestjs-rediskit throws is a `RediskitError` with a stable `code`, so callers can
 * branch on `err.code` instead of parsing messages.
 *
 * @example
 * try { await cache.set('', 1) } catch (e) { if (e instanceof RediskitError && e.code === 'INVALID_ARGUMENT') ... }
 */
export class RediskitError extends Error {
  constructor(
    readonly code: string,
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
  constructor(message: string, options?: { cause?: unknown }, code = 'CONNECTION') {
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
