import 'reflect-metadata';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsPositiveDuration } from '../options/is-duration.decorator.js';
import { ruleProblems, type InvalidationRule } from './invalidation.rules.js';

/**
 * The `invalidation` section of the module options. All optional. See docs/invalidation.md.
 *
 * @example
 * RedisModule.forRoot({
 *   connection,
 *   invalidation: { rules: [{ on: 'product.updated', tags: (e) => [`product:${e.id}`, 'products'] }] },
 * })
 */
export interface InvalidationOptions {
  /** The named connection the event stream lives on. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability (appending events, reading the stream):
   * it settles within it whatever the connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /** Rules declared at boot; more can be added with `InvalidationService.register`. @default `[]` */
  rules?: InvalidationRule[];
  /**
   * The stream keeps about this many events (XADD MAXLEN ~): an instance cut off from Redis
   * for longer than it takes to emit this many misses the oldest (counted as a gap).
   * @default 10000
   */
  streamLength?: number;
  /**
   * Events emitted while Redis is unreachable, kept in memory (in order) until they can be
   * appended; beyond this many the oldest are dropped and counted.
   * @default 10000
   */
  backlog?: number;
  /** The largest payload an event may carry, in bytes of JSON. @default 16 KiB */
  maxEventSize?: number;
  /**
   * With `@nestjs/event-emitter` installed and its module imported: an event emitted on
   * `EventEmitter2` whose name has rules is emitted here too (applied and sent to the other
   * instances).
   * @default true
   */
  eventEmitter?: boolean;
  /**
   * Events from other instances are also emitted on this instance's `EventEmitter2`, so
   * `@OnEvent` listeners run on every instance (they are not sent back).
   * @default false
   */
  emitRemoteEvents?: boolean;
}

export const INVALIDATION_BOUNDS = { streamLength: 10_000_000, backlog: 1_000_000, maxEventSize: 1024 * 1024 } as const;

/** Validates the `invalidation` section at boot. */
export class InvalidationOptionsDto {
  @IsOptional() @IsString() @IsNotEmpty() connection?: string;
  @IsOptional() @IsPositiveDuration() commandTimeout?: Duration;
  @IsOptional()
  @ValidateBy({
    name: 'isInvalidationRules',
    validator: {
      validate: (rules: unknown) => Array.isArray(rules) && rules.every((rule, i) => ruleProblems(rule, `rules[${i}]`).length === 0),
      defaultMessage: (args) =>
        Array.isArray(args?.value) ? args.value.flatMap((rule, i) => ruleProblems(rule, `rules[${i}]`)).join('; ') : 'rules must be an array of rules { on, tags?, patterns?, keys?, namespace? }',
    },
  })
  rules?: InvalidationRule[];
  @IsOptional() @IsInt() @Min(1) @Max(INVALIDATION_BOUNDS.streamLength) streamLength?: number;
  @IsOptional() @IsInt() @Min(1) @Max(INVALIDATION_BOUNDS.backlog) backlog?: number;
  @IsOptional() @IsInt() @Min(2) @Max(INVALIDATION_BOUNDS.maxEventSize) maxEventSize?: number;
  @IsOptional() @IsBoolean() eventEmitter?: boolean;
  @IsOptional() @IsBoolean() emitRemoteEvents?: boolean;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Event-driven invalidation rules (`InvalidationService`). */
    invalidation?: InvalidationOptions;
  }
}
