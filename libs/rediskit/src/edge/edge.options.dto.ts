import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, Max, Min, ValidateBy, ValidateNested } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { MAX_TIMER_MS } from '../options/duration.js';
import { IsDuration, IsPositiveDuration } from '../options/is-duration.decorator.js';
import type { EdgePurgeAdapter } from './edge.adapter.js';
import type { EdgeOptions } from './edge.options.js';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const PROVIDERS = ['varnish', 'fastly', 'cloudflare', 'adapter'] as const;

const isAdapter = (v: unknown): v is EdgePurgeAdapter => {
  const a = v as EdgePurgeAdapter;
  return !!a && typeof a.name === 'string' && /^[a-z0-9_-]{1,32}$/.test(a.name) && Number.isInteger(a.maxTagsPerRequest) && a.maxTagsPerRequest > 0 && typeof a.purgeTags === 'function' && typeof a.purgeAll === 'function';
};

// Messages name fields, never their values: a token must not reach the boot error.
function ExactlyOneProvider(): PropertyDecorator {
  return ValidateBy({
    name: 'exactlyOneProvider',
    validator: {
      validate: (value, args) => PROVIDERS.filter((p) => (args?.object as EdgeOptions)[p] !== undefined).length === 1 && (value === undefined || isAdapter(value)),
      defaultMessage: (args) =>
        args?.value !== undefined && !isAdapter(args.value)
          ? 'adapter must have a name ([a-z0-9_-], at most 32), a positive integer maxTagsPerRequest, purgeTags() and purgeAll()'
          : `edge needs exactly one of ${PROVIDERS.join(', ')} (got ${PROVIDERS.filter((p) => (args?.object as EdgeOptions)[p] !== undefined).join(', ') || 'none'})`,
    },
  });
}

function IsUrlList(): PropertyDecorator {
  return ValidateBy({
    name: 'isUrlList',
    validator: {
      validate: (v) => {
        const list = Array.isArray(v) ? v : [v];
        return list.length > 0 && list.every((u) => typeof u === 'string' && /^https?:\/\/[^\s/?#]+\/?$/.test(u));
      },
      defaultMessage: () => 'servers must be a base URL (http://host:port) or a non-empty list of them',
    },
  });
}

class VarnishDto {
  @IsUrlList() servers: string | string[];
  @IsOptional() @IsIn(['xkey', 'ban']) mode?: 'xkey' | 'ban';
  @IsOptional() @IsObject() headers?: Record<string, string>;
  @IsOptional() @IsInt() @Min(1) @Max(1000) maxTagsPerRequest?: number;
}

class FastlyDto {
  @IsString() @IsNotEmpty() serviceId: string;
  @IsString({ message: 'apiKey must be a string' }) @IsNotEmpty({ message: 'apiKey must not be empty' }) apiKey: string;
  @IsOptional() @IsBoolean() softPurge?: boolean;
  @IsOptional() @IsUrl(URL_OPTIONS) endpoint?: string;
  @IsOptional() @IsInt() @Min(1) @Max(256) maxKeysPerRequest?: number;
}

class CloudflareDto {
  @IsString() @IsNotEmpty() zoneId: string;
  @IsString({ message: 'apiToken must be a string' }) @IsNotEmpty({ message: 'apiToken must not be empty' }) apiToken: string;
  @IsOptional() @IsUrl(URL_OPTIONS) endpoint?: string;
  @IsOptional() @IsInt() @Min(1) @Max(500) maxTagsPerRequest?: number;
}

class TriggersDto {
  @IsOptional() @IsBoolean() invalidateTags?: boolean;
  @IsOptional() @ValidateBy({ name: 'isClearTrigger', validator: { validate: (v) => typeof v === 'boolean' || (Array.isArray(v) && v.every((n) => typeof n === 'string' && n.length > 0)), defaultMessage: () => 'clear must be a boolean or a list of namespace names' } }) clear?: boolean | string[];
}

class RetryDto {
  @IsOptional() @IsInt() @Min(1) @Max(20) attempts?: number;
  @IsOptional() @IsDuration(undefined, MAX_TIMER_MS) minDelay?: Duration;
  @IsOptional() @IsDuration(undefined, MAX_TIMER_MS) maxDelay?: Duration;
}

/** Validates the `edge` section (see `EdgeOptions`). */
export class EdgeOptionsDto {
  @IsOptional() @ValidateNested() @Type(() => VarnishDto) varnish?: VarnishDto;
  @IsOptional() @ValidateNested() @Type(() => FastlyDto) fastly?: FastlyDto;
  @IsOptional() @ValidateNested() @Type(() => CloudflareDto) cloudflare?: CloudflareDto;
  @ExactlyOneProvider() adapter?: EdgePurgeAdapter;
  @IsOptional() @ValidateNested() @Type(() => TriggersDto) purgeOn?: TriggersDto;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) maxQueue?: number;
  @IsOptional() @ValidateNested() @Type(() => RetryDto) retry?: RetryDto;
  @IsOptional() @IsPositiveDuration(undefined, MAX_TIMER_MS) timeout?: Duration;
}

