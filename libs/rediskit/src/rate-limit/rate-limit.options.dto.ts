import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
import { IsDuration } from '../options/is-duration.decorator.js';
import type { Duration } from '../options/duration.js';
import { MAX_UNITS, RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm, type RateLimitFailurePolicy } from './rate-limit.policy.js';
import type { RateLimitKey } from './rate-limit.options.js';

const FAILURES = ['open', 'closed', 'memory'];
const KEYS = ['ip', 'user', 'route', 'apiKey'];

function check(name: string, test: (v: unknown) => boolean, message: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name, validator: { validate: test, defaultMessage: (a) => `${a?.property} ${message} (got ${JSON.stringify(a?.value)})` } }, options);
}

class RateLimitRuleDto {
  @IsInt() @Min(1) @Max(MAX_UNITS) limit: number;
  @IsDuration() window: Duration;
  @IsOptional() @IsIn(RATE_LIMIT_ALGORITHMS as RateLimitAlgorithm[]) algorithm?: RateLimitAlgorithm;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_UNITS) cost?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_UNITS) burst?: number;
  @IsOptional() @IsDuration() blockDuration?: Duration;
  @IsOptional() @IsString() name?: string;
  @IsOptional() @IsIn(FAILURES) failure?: RateLimitFailurePolicy;
  @IsOptional() @check('isRateLimitKey', (v) => typeof v === 'function' || KEYS.includes(v as string), `must be ${KEYS.join(', ')} or a function`) key?: RateLimitKey;
  @IsOptional() @IsIn(['route', 'global']) scope?: 'route' | 'global';
}

const isHeaders = (v: unknown): boolean => {
  if (typeof v === 'boolean') return true;
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  const optional = (x: unknown, type: string) => x === undefined || typeof x === type;
  return optional(h.standard, 'boolean') && optional(h.legacy, 'boolean') && optional(h.partitionKeySecret, 'string');
};

/** Validates the `rateLimit` section of the module options (see `RateLimitOptions`). */
export class RateLimitOptionsDto {
  @IsOptional() @IsString() connection?: string;
  @IsOptional() @IsDuration() commandTimeout?: Duration;
  @IsOptional() @IsIn(FAILURES) failure?: RateLimitFailurePolicy;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => RateLimitRuleDto) defaults?: RateLimitRuleDto | RateLimitRuleDto[];
  @IsOptional() @check('isHeaders', isHeaders, 'must be a boolean or { standard?: boolean, legacy?: boolean, partitionKeySecret?: string }') headers?: unknown;
  @IsOptional() @IsInt() @Min(0) @Max(128) ipv6Subnet?: number;
  @IsOptional() @IsString() apiKeyHeader?: string;
  @IsOptional() @check('isFunction', (v) => typeof v === 'function', 'must be a function (key, request) => accountId | null') apiKeys?: unknown;
  @IsOptional() @IsString() @MinLength(16) keySecret?: string;
  @IsOptional() @check('isFunction', (v) => typeof v === 'function', 'must be a function (request) => id') user?: unknown;
  @IsOptional() @IsInt() @Min(1) memoryMaxKeys?: number;
}
