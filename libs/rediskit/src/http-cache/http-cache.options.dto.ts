import { ArrayNotEmpty, IsArray, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsCallable } from '../options/is-callable.decorator.js';
import { IsDuration } from '../options/is-duration.decorator.js';
import type { IdentifyFn } from './http-cache.options.js';

// RFC 9110 token characters: what a header name (and an RFC 6265 cookie name) may contain.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Validates the `httpCache` section of the module options (see `HttpCacheOptions`). */
export class HttpCacheOptionsDto {
  @IsOptional() @IsDuration() defaultTtl?: Duration;
  @IsOptional() @IsDuration() maxAge?: Duration;
  @IsOptional() @IsDuration() staleWhileRevalidate?: Duration;
  @IsOptional() @IsArray() @IsString({ each: true }) @Matches(HEADER_NAME, { each: true, message: 'varyBy must list header names' }) varyBy?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) ignoreQuery?: string[];
  @IsOptional() @IsBoolean() honorClientNoCache?: boolean;
  @IsOptional() @IsBoolean() cacheByDefault?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) @Matches(HEADER_NAME, { each: true, message: 'storeHeaders must list header names' }) storeHeaders?: string[];
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsInt({ each: true }) @Min(100, { each: true }) @Max(599, { each: true }) statuses?: number[];
  @IsOptional() @IsInt() @Min(1) maxBodySize?: number;
  @IsOptional() @IsCallable('a function (request) => string | undefined') identify?: IdentifyFn;
  @IsOptional() @IsCallable('a function (tags) => void | Promise<void>') onInvalidate?: (tags: string[]) => void | Promise<void>;
  @IsOptional() @IsBoolean() tagHeaders?: boolean;
  @IsOptional() @IsBoolean() lock?: boolean;
  @IsOptional() @IsString() @Matches(/^[^\s*?[\]{}\\]+$/, { message: 'namespace must be a non-empty name without spaces or glob characters' }) namespace?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) @Matches(HEADER_NAME, { each: true, message: 'credentialCookies must list cookie names' }) credentialCookies?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) @Matches(HEADER_NAME, { each: true, message: 'credentialHeaders must list header names' }) credentialHeaders?: string[];
  @IsOptional() @IsBoolean() keyByHost?: boolean;
  @IsOptional() @IsBoolean() earlyHits?: boolean;
}
