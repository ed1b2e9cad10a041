import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Min, ValidateBy, ValidateIf, ValidateNested, type ValidationOptions } from 'class-validator';
import { IsDuration } from '../options/is-duration.decorator.js';
import { isDuration, type Duration } from '../options/duration.js';
import type { LoaderTimeout, PersistFn } from './cache.options.js';

function check(name: string, test: (v: unknown) => boolean, message: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name, validator: { validate: test, defaultMessage: (a) => `${a?.property} ${message} (got ${JSON.stringify(a?.value)})` } }, options);
}

const isTimeout = (v: unknown) =>
  isDuration(v) || (!!v && typeof v === 'object' && Object.entries(v).every(([k, d]) => (k === 'soft' || k === 'hard') && (d === undefined || isDuration(d))));
const isBeta = (v: unknown) => typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v) && v > 0);

class L1OptionsDto {
  @IsOptional() @IsInt() @Min(1) maxEntries?: number;
  @IsOptional() @IsInt() @Min(1) maxBytes?: number;
  @IsOptional() @IsDuration() ttl?: Duration;
  @IsOptional() @IsIn(['freeze', 'clone']) mode?: 'freeze' | 'clone';
  @IsOptional() @IsIn(['bus', 'tracking']) coherence?: 'bus' | 'tracking';
}

class LockOptionsDto {
  @IsOptional() @IsDuration() ttl?: Duration;
  @IsOptional() @IsDuration() wait?: Duration;
}

class WriteBehindOptionsDto {
  @check('isFunction', (v) => typeof v === 'function', 'must be a function (batch) => Promise<void>') persist: PersistFn;
  @IsOptional() @IsInt() @Min(1) batchSize?: number;
  @IsOptional() @IsDuration() flushInterval?: Duration;
  @IsOptional() @IsInt() @Min(0) retries?: number;
  @IsOptional() @IsInt() @Min(1) maxQueue?: number;
}

class InvalidationOptionsDto {
  @IsOptional() @IsIn(['queue', 'throw']) onUnreachable?: 'queue' | 'throw';
  @IsOptional() @IsInt() @Min(1) maxPending?: number;
}

/** Validates the `cache` section of the module options (see `CacheOptions`). */
export class CacheOptionsDto {
  @IsOptional() @IsDuration() defaultTtl?: Duration;
  @IsOptional() @ValidateIf((o: CacheOptionsDto) => o.l1 !== false) @ValidateNested() @Type(() => L1OptionsDto) l1?: L1OptionsDto | false;
  @IsOptional() @IsInt() @Min(1) maxValueSize?: number;
  @IsOptional() @IsDuration() grace?: Duration;
  @IsOptional() @IsDuration() staleIfError?: Duration;
  @IsOptional() @check('isLoaderTimeout', isTimeout, "must be a duration or { soft, hard } durations") timeout?: Duration | LoaderTimeout;
  @IsOptional() @IsBoolean() bus?: boolean;
  @IsOptional() @ValidateNested() @Type(() => LockOptionsDto) lock?: LockOptionsDto;
  @IsOptional() @check('isBeta', isBeta, 'must be a boolean or a positive number') earlyRefresh?: boolean | number;
  @IsOptional() @ValidateNested() @Type(() => WriteBehindOptionsDto) writeBehind?: WriteBehindOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => InvalidationOptionsDto) invalidation?: InvalidationOptionsDto;
  @IsOptional() @IsString() connection?: string;
  @IsOptional() @IsDuration() commandTimeout?: Duration;
}
