import 'reflect-metadata';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsPositiveDuration } from '../options/is-duration.decorator.js';

/**
 * The `geo` section of the module options. All optional.
 *
 * @example
 * RedisModule.forRoot({ connection, geo: { ttl: '2m', maxResults: 200 } })
 */
export interface GeoOptions {
  /** The named connection positions live on. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /**
   * A member not updated for this long is dropped from its collection; a collection can set
   * its own (`geo.collection(name, { ttl })`).
   * @default `'5m'`
   */
  ttl?: Duration;
  /** The largest `limit` a `nearby` call may ask for (at most 100 000). @default 1000 */
  maxResults?: number;
  /** The largest `meta` a member may carry, in bytes once encoded by the codec (at most 1 MiB). @default 4 KiB */
  maxMetaSize?: number;
}

/** Bounds of the numeric options. */
export const GEO_BOUNDS = { maxResults: 100_000, maxMetaSize: 1024 * 1024 } as const;

/** Validates the `geo` section at boot. */
export class GeoOptionsDto {
  @IsOptional() @IsString() @IsNotEmpty() connection?: string;
  @IsOptional() @IsPositiveDuration() commandTimeout?: Duration;
  @IsOptional() @IsPositiveDuration() ttl?: Duration;
  @IsOptional() @IsInt() @Min(1) @Max(GEO_BOUNDS.maxResults) maxResults?: number;
  @IsOptional() @IsInt() @Min(1) @Max(GEO_BOUNDS.maxMetaSize) maxMetaSize?: number;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Positions with a time to live (`GeoService`). */
    geo?: GeoOptions;
  }
}
