import { Exclude } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsNumber, IsOptional, IsString, Matches, Min, ValidateIf } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsDuration } from '../options/is-duration.decorator.js';
import { MAX_EXTRA_NAMESPACES, NAMESPACE_NAME } from './command-namespace.js';

/** Validation of the `metrics` options section (see `MetricsOptions`). */
export class MetricsOptionsDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @Matches(/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/, { message: 'metrics.prefix must be a valid Prometheus name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)' }) prefix?: string;
  // Not transformed: class-transformer would rebuild the registry's metrics with `new` and no
  // arguments, which prom-client refuses. MetricsService.create checks it instead.
  @Exclude({ toClassOnly: true }) registry?: object;
  @IsOptional() @IsBoolean() commands?: boolean;
  @IsOptional() @ValidateIf((_o, v) => v !== false) @IsDuration() slowCommandThreshold?: Duration | false;
  @IsOptional() @IsArray() @IsNumber({}, { each: true }) @Min(0, { each: true }) commandBuckets?: number[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_EXTRA_NAMESPACES) @IsString({ each: true }) @Matches(NAMESPACE_NAME, { each: true, message: 'metrics.namespaces must hold names of 1-64 characters [A-Za-z0-9_.-]' }) namespaces?: string[];
}
