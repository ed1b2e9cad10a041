import type { ExecutionContext } from '@nestjs/common';
import type { RateLimitFailurePolicy, RateLimitPolicy } from './rate-limit.policy.js';
import type { Duration } from '../options/duration.js';

/**
 * Whose quota a request consumes:
 * - `'ip'` the client address (from the framework's trust-proxy setting; IPv6 grouped by /64),
 * - `'user'` the authenticated user (`options.user(req)`, by default `req.user.id ?? req.user.sub`;
 *   the IP when there is none),
 * - `'apiKey'` the account of the API key in `options.apiKeyHeader` (default `x-api-key`), as
 *   `options.apiKeys` resolves it: keys of one account share its quota; a missing or unknown
 *   key counts against the client address. Requires `options.apiKeys` (checked at boot).
 * - `'route'` the route itself: every client shares one quota,
 * - a function of the execution context returning the partition (the IP when it returns nothing).
 *
 * A user id, account id or function result that is not a non-empty string or a finite number,
 * or a string holding a lone UTF-16 surrogate (it would share a hash with U+FFFD), counts
 * against the client address too.
 */
export type RateLimitKey =
  | 'ip'
  | 'user'
  | 'route'
  | 'apiKey'
  | ((context: ExecutionContext) => string | number | undefined | null | Promise<string | number | undefined | null>);

/**
 * A policy as the guard applies it: the policy plus whose quota it is.
 *
 * @example
 * @RateLimit({ name: 'burst', limit: 10, window: '1s', key: 'user' }, { name: 'daily', limit: 1000, window: '1d', key: 'user' })
 */
export interface RateLimitRule extends RateLimitPolicy {
  /** @default `'ip'` */
  key?: RateLimitKey;
  /**
   * `'route'`: each route has its own quota per client, like @nestjs/throttler.
   * `'global'`: every route using a policy of this name shares the client's quota.
   * @default `'route'`
   */
  scope?: 'route' | 'global';
}

/** Which rate-limit headers the guard writes. */
export interface RateLimitHeaderOptions {
  /** IETF `RateLimit` and `RateLimit-Policy` structured fields. @default true */
  standard?: boolean;
  /** `X-RateLimit-Limit`, `-Remaining`, `-Reset` of the most constrained policy. @default false */
  legacy?: boolean;
  /**
   * Secret for the `pk` (partition key) parameter, an HMAC of the partition so it never shows a
   * raw IP or user id. Set it to get the same `pk` from every instance.
   * @default a random secret per process
   */
  partitionKeySecret?: string;
}

/**
 * The `rateLimit` section of the module options.
 *
 * @example
 * RedisModule.forRoot({ connection, rateLimit: { failure: 'memory', defaults: RateLimitPresets.API_DEFAULT, headers: { legacy: true } } })
 */
export interface RateLimitOptions {
  /** Named connection to use. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /** What to decide when Redis cannot be asked; policies may override it. @default `'open'` */
  failure?: RateLimitFailurePolicy;
  /** Rules `RateLimitGuard` applies to every route it guards (decorators override them by name). @default none */
  defaults?: RateLimitRule | RateLimitRule[];
  /** `false` writes no rate-limit headers (429s still carry Retry-After). @default on, with the defaults of its options */
  headers?: boolean | RateLimitHeaderOptions;
  /** Prefix length IPv6 clients are grouped by. @default 64: one customer's network */
  ipv6Subnet?: number;
  /** Header read by `key: 'apiKey'`. @default `x-api-key` */
  apiKeyHeader?: string;
  /**
   * Resolves an API key to the account it belongs to, or `null` when the app does not know the
   * key. `key: 'apiKey'` counts per account; unknown and missing keys count against the client
   * address, so inventing keys neither buys quota nor allows unlimited guessing. Called once
   * per request (however many rules use it); cache lookups in it as you would for auth.
   *
   * @example
   * apiKeys: async (key) => (await db.apiKeys.find(sha256(key)))?.accountId ?? null
   * @default none: the key itself identifies the client
   */
  apiKeys?: (key: string, request: any) => string | number | null | undefined | Promise<string | number | null | undefined>;
  /**
   * Secret of the keyed hash (HMAC-SHA256) that names a partition's Redis keys (at least 16
   * characters; give every instance the same).
   * @default a random secret the first instance stores in Redis (`…:ratelimit:key-secret`) and every instance reads
   */
  keySecret?: string;
  /** How `key: 'user'` finds the user id. @default `req.user?.id ?? req.user?.sub` */
  user?: (request: any) => string | number | undefined | null;
  /** Partitions the `memory` failure policy tracks per instance. @default 10 000 */
  memoryMaxKeys?: number;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Rate limiting (`RateLimiterService`, `RateLimitGuard`). */
    rateLimit?: RateLimitOptions;
  }
}
