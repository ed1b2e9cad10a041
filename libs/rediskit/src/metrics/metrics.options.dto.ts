import { Exclude } from 'class-transformer';
import { IsArray, IsBoolean, IsNumber, IsOptional, Matches, Min } from 'class-validator';

/** Validation of the `metrics` options section (see `MetricsOptions`). */
export class MetricsOptionsDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @Matches(/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/, { message: 'metrics.prefix must be a valid Prometheus name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)' }) prefix?: string;
  // Not transformed: class-transformer would rebuild the registry's metrics with `new` and no
  // arguments, which prom-client refuses. MetricsService.create checks it instead.
  @Exclude({ toClassOnly: true }) registry?: object;
  @IsOptional() @IsBoolean() commands?: boolean;
  @IsOptional() @IsArray() @IsNumber({}, { each: true }) @Min(0, { each: true }) commandBuckets?: number[];
}
