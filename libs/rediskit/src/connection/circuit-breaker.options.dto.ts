import { IsInt, IsOptional, Min } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsDuration } from '../options/is-duration.decorator.js';

/** Validates the `circuitBreaker` options at boot. */
export class CircuitBreakerOptionsDto {
  @IsOptional() @IsInt() @Min(1) failureThreshold?: number;
  @IsOptional() @IsDuration() recoveryTimeout?: Duration;
}
