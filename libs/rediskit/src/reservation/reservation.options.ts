import 'reflect-metadata';
import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsPositiveDuration } from '../options/is-duration.decorator.js';

/**
 * The `reservation` section of the module options. All optional.
 *
 * @example
 * RedisModule.forRoot({ connection, reservation: { holdTtl: '15m', keepOutcomes: '1d' } })
 */
export interface ReservationOptions {
  /** The named connection stock and holds live on. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /** How long a hold lasts when `reserve` gives no `holdTtl`. @default `'10m'` */
  holdTtl?: Duration;
  /**
   * How long the outcome of a hold (confirmed, released, expired) is remembered, so that
   * `confirm` and `release` called again answer the same. After that the hold is `unknown`.
   * @default `'1d'`
   */
  keepOutcomes?: Duration;
}

/** Validates the `reservation` section at boot. */
export class ReservationOptionsDto {
  @IsOptional() @IsString() @IsNotEmpty() connection?: string;
  @IsOptional() @IsPositiveDuration() commandTimeout?: Duration;
  @IsOptional() @IsPositiveDuration() holdTtl?: Duration;
  @IsOptional() @IsPositiveDuration() keepOutcomes?: Duration;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Stock with expiring holds (`ReservationService`). */
    reservation?: ReservationOptions;
  }
}
