import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsDuration } from '../options/is-duration.decorator.js';

/**
 * Options of the `pubsub` section of `RedisModule.forRoot`. All optional.
 *
 * @example
 * RedisModule.forRoot({ connection, pubsub: { sharded: true, inbox: { maxLength: 500, retention: '3d' } } })
 */
export interface PubSubOptions {
  /** The named connection to publish and subscribe on. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /**
   * On a cluster, use sharded pub/sub (SPUBLISH / SSUBSCRIBE): each channel lives on the shard
   * that owns its slot instead of being broadcast to every node. Pattern subscriptions are not
   * available then (Redis has no sharded PSUBSCRIBE). Ignored on a single Redis or Sentinel.
   * @default false
   */
  sharded?: boolean;
  /** Who sends, written into every envelope's `source`. @default `hostname:pid` */
  source?: string;
  /**
   * Reconnect backoff of the subscriber connection (doubling, with jitter), short so
   * subscriptions come back soon after Redis does.
   */
  reconnect?: {
    /** @default 50 ms */
    baseDelay?: Duration;
    /** @default 500 ms */
    maxDelay?: Duration;
  };
  /** The per-user inbox that `notifyUser` appends to. */
  inbox?: InboxOptions;
  /**
   * The largest message `publish`, `broadcast` and `notifyUser` send, in bytes once encoded
   * (default 1 MiB, from 1 KiB to 512 MiB); a larger one fails with
   * `RediskitMessageTooLargeError` and nothing is sent. Batches of small messages stay within it
   * too. Keep it well below the server's `client-output-buffer-limit pubsub` (32 MiB hard,
   * 8 MiB for 60 s by default): Redis drops a subscriber whose unread messages pass it.
   * @default 1 MiB
   */
  maxMessageSize?: number;
}

/** How much of a user's notifications is kept for when they come back. */
export interface InboxOptions {
  /** Keep about this many newest messages per user (XADD MAXLEN ~). @default 1000 */
  maxLength?: number;
  /** Keep messages this long (XTRIM MINID by Redis time). @default `'7d'` */
  retention?: Duration;
}

/** Bounds of `pubsub.maxMessageSize`: 1 KiB (an envelope needs some room) to Redis' 512 MiB bulk limit. */
export const MAX_MESSAGE_SIZE_RANGE = { min: 1024, max: 512 * 1024 * 1024 } as const;

class PubSubReconnectDto {
  @IsOptional() @IsDuration() baseDelay?: Duration;
  @IsOptional() @IsDuration() maxDelay?: Duration;
}

class InboxOptionsDto {
  @IsOptional() @IsInt() @Min(1) maxLength?: number;
  @IsOptional() @IsDuration() retention?: Duration;
}

/** Validation of {@link PubSubOptions} (used by the module's option validation). */
export class PubSubOptionsDto {
  @IsOptional() @IsString() @IsNotEmpty() connection?: string;
  @IsOptional() @IsDuration() commandTimeout?: Duration;
  @IsOptional() @IsBoolean() sharded?: boolean;
  @IsOptional() @IsString() @IsNotEmpty() source?: string;
  @IsOptional() @ValidateNested() @Type(() => PubSubReconnectDto) reconnect?: PubSubReconnectDto;
  @IsOptional() @ValidateNested() @Type(() => InboxOptionsDto) inbox?: InboxOptionsDto;
  @IsOptional() @IsInt() @Min(MAX_MESSAGE_SIZE_RANGE.min) @Max(MAX_MESSAGE_SIZE_RANGE.max) maxMessageSize?: number;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Pub/Sub (`PubSubService`, `@OnMessage`). */
    pubsub?: PubSubOptions;
  }
}
