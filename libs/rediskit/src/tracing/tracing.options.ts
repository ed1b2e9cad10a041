import { IsBoolean, IsOptional } from 'class-validator';

/**
 * OpenTelemetry spans of the capabilities' operations. Spans are recorded when the optional
 * peer `@opentelemetry/api` is installed and the application registered an SDK; without the
 * package tracing is off at no cost.
 *
 * @example
 * RedisModule.forRoot({ connection: { url }, tracing: { enabled: true, propagate: true } })
 */
export interface TracingOptions {
  /** Record spans (when `@opentelemetry/api` is installed); `false` turns tracing off. @default true */
  enabled?: boolean;
  /**
   * Carry the publisher's trace context in pub/sub messages (a W3C `traceparent` in the
   * envelope) and continue it when a message is received, so the receive span is a child of
   * the publish span. A received `traceparent` is untrusted: anything but a well-formed one
   * is ignored.
   * @default true
   */
  propagate?: boolean;
}

/** Validation of the `tracing` options section (see `TracingOptions`). */
export class TracingOptionsDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsBoolean() propagate?: boolean;
}
