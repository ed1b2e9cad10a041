import 'reflect-metadata';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsCallable } from '../options/is-callable.decorator.js';
import { IsPositiveDuration } from '../options/is-duration.decorator.js';

/**
 * Reads a request and returns who made it (a user, an account, an API client): idempotency
 * keys are scoped to it, so one client can never replay another's response. `undefined` when
 * the request has no identity (it is refused with 401, see docs/idempotency.md).
 *
 * @example
 * const identify: IdempotencyIdentifyFn = (req) => req.auth?.accountId;
 */
export type IdempotencyIdentifyFn = (request: any) => string | number | undefined | null;

/** What a request with an idempotency key gets when Redis cannot be asked within the budget. */
export type IdempotencyFailurePolicy = 'closed' | 'open';

/** Options of one route, `@Idempotent({...})`; each falls back to the module's `idempotency` section. */
export interface IdempotentOptions {
  /** How long the response of a completed request is kept for replays. @default `idempotency.ttl` */
  ttl?: Duration;
  /** How long a request in progress holds its key (an instance that dies mid-request frees it then). @default `idempotency.inProgressTtl` */
  inProgressTtl?: Duration;
  /** A request without the header is refused with 400; when false it runs without idempotency. @default `idempotency.required` */
  required?: boolean;
}

/**
 * The `idempotency` section of the module options. All optional.
 *
 * @example
 * RedisModule.forRoot({ connection, idempotency: { ttl: '24h', inProgressTtl: '1m', failure: 'closed' } })
 */
export interface IdempotencyOptions {
  /** The named connection records live on. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /** How long the response of a completed request is kept for replays. @default `'24h'` */
  ttl?: Duration;
  /**
   * How long a request in progress holds its key. Longer than your slowest handler: a request
   * still running after it can no longer store its response. @default `'1m'`
   */
  inProgressTtl?: Duration;
  /** The request header that carries the key. @default `'Idempotency-Key'` */
  header?: string;
  /** Longest key accepted, in characters; a longer one is a 400. @default 255 */
  maxKeyLength?: number;
  /** A request without the header is refused with 400 (the draft's advice for a documented idempotent operation). @default true */
  required?: boolean;
  /** Largest response body stored for replays, in bytes; a larger response is remembered as not replayable. @default 65536 */
  maxBodySize?: number;
  /** Response headers stored and replayed besides `Content-Type` (lower case). @default `['location', 'content-location', 'etag', 'last-modified']` */
  storeHeaders?: string[];
  /** Who made a request, the scope of its keys. @default the rediskit session's `userId`, then `request.user.id` / `.sub` */
  identify?: IdempotencyIdentifyFn;
  /**
   * When Redis cannot be asked within the budget: `closed` answers 503 (the handler does not
   * run: a retry cannot do it twice), `open` runs the handler without idempotency.
   * @default `'closed'`
   */
  failure?: IdempotencyFailurePolicy;
  /** A page that explains your idempotency rules: the `type` of error bodies and a `Link` header (rel="describedby"). @default none */
  docsUrl?: string;
}

/** The largest `maxBodySize` accepted (stored responses are read back whole). */
export const MAX_STORED_BODY = 1024 * 1024;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Validates the `idempotency` section at boot. */
export class IdempotencyOptionsDto {
  @IsOptional() @IsString() @IsNotEmpty() connection?: string;
  @IsOptional() @IsPositiveDuration() commandTimeout?: Duration;
  @IsOptional() @IsPositiveDuration() ttl?: Duration;
  @IsOptional() @IsPositiveDuration() inProgressTtl?: Duration;
  @IsOptional() @IsString() @Matches(HEADER_NAME) header?: string;
  @IsOptional() @IsInt() @Min(1) @Max(1024) maxKeyLength?: number;
  @IsOptional() @IsBoolean() required?: boolean;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_STORED_BODY) maxBodySize?: number;
  @IsOptional() @IsArray() @ArrayMaxSize(32) @IsString({ each: true }) @Matches(HEADER_NAME, { each: true }) storeHeaders?: string[];
  @IsOptional() @IsCallable('a function (request) => string | number | undefined') identify?: IdempotencyIdentifyFn;
  @IsOptional() @IsIn(['closed', 'open']) failure?: IdempotencyFailurePolicy;
  @IsOptional() @IsUrl({ require_tld: false }) docsUrl?: string;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Idempotent requests (`@Idempotent`, the `Idempotency-Key` header). */
    idempotency?: IdempotencyOptions;
  }
}
