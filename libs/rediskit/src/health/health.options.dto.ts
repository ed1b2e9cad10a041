import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsNumber, IsString, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsDuration } from '../options/is-duration.decorator.js';
import type { Duration } from '../options/duration.js';

// Set, and not `false` (which turns the field off).
const given = (_: object, value: unknown) => value !== undefined && value !== false;

class MonitorThresholdsDto {
  @ValidateIf(given) @IsNumber() @Min(0) memoryRatio?: number | false;
  @ValidateIf(given) @IsNumber() @Min(0) fragmentationRatio?: number | false;
  @ValidateIf(given) @IsNumber() @Min(0) evictions?: number | false;
  @ValidateIf(given) @IsNumber() @Min(0) clientsRatio?: number | false;
  @ValidateIf(given) @IsNumber() @Min(0) @Max(1) minHitRatio?: number | false;
  @ValidateIf(given) @IsNumber() @Min(0) opsPerSec?: number | false;
  @ValidateIf(given) @IsNumber() @Min(0) slowlogEntries?: number | false;
}

class MonitorOptionsDto {
  @ValidateIf(given) @IsBoolean() enabled?: boolean;
  @ValidateIf(given) @IsDuration() interval?: Duration;
  @ValidateIf(given) @IsBoolean() slowlog?: boolean;
  @ValidateIf(given) @IsDuration() slowOperationThreshold?: Duration | false;
  @ValidateIf(given) @IsArray() @IsString({ each: true }) connections?: string[];
  @ValidateIf(given) @ValidateNested() @Type(() => MonitorThresholdsDto) thresholds?: MonitorThresholdsDto;
}

/** Validation of the `health` options section (see `HealthOptions`). */
export class HealthOptionsDto {
  @ValidateIf(given) @IsDuration() timeout?: Duration;
  @ValidateIf(given) @IsNumber() @Min(0) maxLatencyMs?: number;
  @ValidateIf(given) @IsNumber() @Min(0.01) @Max(1) memoryThreshold?: number;
  @ValidateIf(given) @ValidateNested() @Type(() => MonitorOptionsDto) monitor?: MonitorOptionsDto | false;
}
