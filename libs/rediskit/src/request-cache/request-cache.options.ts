import 'reflect-metadata';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * The `requestCache` section of the module options. All optional: the request cache works
 * without it.
 *
 * @example
 * RedisModule.forRoot({ connection, requestCache: { maxEntries: 200 } })
 */
export interface RequestCacheOptions {
  /**
   * Entries one request may hold at most; once full, calls with a new key run uncached
   * (counted as `full`), so a request looping over many ids cannot grow memory without bound.
   * At most 1 000 000.
   * @default 1000
   */
  maxEntries?: number;
  /**
   * Keys longer than this (the method's name and its arguments, or your key) are replaced by
   * their SHA-256, so an entry's key never holds a large argument. From 32 to 65 536.
   * @default 256
   */
  maxKeyLength?: number;
}

/** Bounds of the numeric options. */
export const REQUEST_CACHE_BOUNDS = { maxEntries: 1_000_000, minKeyLength: 32, maxKeyLength: 65_536 } as const;

/** Validates the `requestCache` section at boot. */
export class RequestCacheOptionsDto {
  @IsOptional() @IsInt() @Min(1) @Max(REQUEST_CACHE_BOUNDS.maxEntries) maxEntries?: number;
  @IsOptional() @IsInt() @Min(REQUEST_CACHE_BOUNDS.minKeyLength) @Max(REQUEST_CACHE_BOUNDS.maxKeyLength) maxKeyLength?: number;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Memoization within one request (`@RequestCached`, `RequestCache`). */
    requestCache?: RequestCacheOptions;
  }
}
