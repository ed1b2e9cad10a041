import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsCallable } from '../options/is-callable.decorator.js';
import { IsDuration, IsPositiveDuration } from '../options/is-duration.decorator.js';
import { DEGRADED_BOUNDS } from './session.settings.js';

// SameSite=None is only accepted by browsers together with Secure.
function SecureWithSameSiteNone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'secureWithSameSiteNone',
      validator: {
        validate: (sameSite, args) => sameSite !== 'none' || (args?.object as SessionCookieOptionsDto).secure !== false,
        defaultMessage: () => `sameSite 'none' requires secure: true`,
      },
    },
    options,
  );
}

class SessionCookieOptionsDto {
  @IsOptional() @Matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: 'name must be a cookie name (letters, digits and !#$%&\'*+-.^_`|~)' }) name?: string;
  @IsOptional() @IsBoolean() httpOnly?: boolean;
  @IsOptional() @IsBoolean() secure?: boolean;
  @IsOptional() @IsIn(['strict', 'lax', 'none']) @SecureWithSameSiteNone() sameSite?: string;
  @IsOptional() @Matches(/^\/[^;\s]*$/, { message: 'path must start with / and contain no ; or spaces' }) path?: string;
  @IsOptional() @Matches(/^[^;\s]+$/, { message: 'domain must contain no ; or spaces' }) domain?: string;
  @IsOptional() @IsBoolean() persistent?: boolean;
}

class SessionBindingOptionsDto {
  @IsOptional() @IsBoolean() ip?: boolean;
  @IsOptional() @IsBoolean() userAgent?: boolean;
  @IsOptional() @IsBoolean() fingerprint?: boolean;
}

class RiskThresholdsDto {
  @IsOptional() @IsNumber() @Min(0) @Max(1) stepUp?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) deny?: number;
}

class SessionStoreOptionsDto {
  @IsOptional() @IsString() prefix?: string;
  @IsOptional() @ValidateBy({ name: 'durationOrFunction', validator: { validate: (v) => typeof v === 'function' || (typeof v === 'number' && v >= 0) || typeof v === 'string', defaultMessage: () => 'ttl must be a duration or a function' } }) ttl?: unknown;
  @IsOptional() @IsBoolean() disableTouch?: boolean;
  @IsOptional() @IsBoolean() disableTTL?: boolean;
  @IsOptional() @IsInt() @Min(1) scanCount?: number;
}

class DegradedSignInOptionsDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  // The keys are secrets: the messages name the field, never the value.
  @ValidateIf((o: DegradedSignInOptionsDto) => o.enabled === true || o.signingKey !== undefined)
  @IsString({ message: 'signingKey must be a string of at least 32 characters (required when enabled)' })
  @MinLength(DEGRADED_BOUNDS.minKeyLength, { message: 'signingKey must be a string of at least 32 characters (required when enabled)' })
  signingKey?: string;
  @IsOptional() @IsArray() @IsString({ each: true, message: 'verificationKeys must be strings of at least 32 characters' }) @MinLength(DEGRADED_BOUNDS.minKeyLength, { each: true, message: 'verificationKeys must be strings of at least 32 characters' }) verificationKeys?: string[];
  @IsOptional() @IsPositiveDuration(undefined, DEGRADED_BOUNDS.maxTtl) ttl?: Duration;
  @IsOptional() @Matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: 'cookieName must be a cookie name' }) cookieName?: string;
}

/** Validates the `session` section of the module options (see `SessionOptions`). */
export class SessionOptionsDto {
  @IsOptional() @IsDuration() ttl?: Duration;
  @IsOptional() @IsDuration() absoluteTimeout?: Duration;
  @IsOptional() @IsDuration() touchInterval?: Duration;
  @IsOptional() @IsInt() @Min(1) maxPerUser?: number;
  @IsOptional() @IsString() connection?: string;
  @IsOptional() @IsDuration() commandTimeout?: Duration;
  @IsOptional() @ValidateNested() @Type(() => SessionCookieOptionsDto) cookie?: SessionCookieOptionsDto;
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsIn(['cookie', 'header'], { each: true }) tokenSources?: string[];
  @IsOptional() @ValidateNested() @Type(() => SessionBindingOptionsDto) binding?: SessionBindingOptionsDto;
  @IsOptional() @IsArray() @IsString({ each: true }) fingerprintHeaders?: string[];
  @IsOptional() @IsCallable('a function (session, request) => number in 0..1') riskAssessor?: unknown;
  @IsOptional() @ValidateNested() @Type(() => RiskThresholdsDto) riskThresholds?: RiskThresholdsDto;
  @IsOptional() @IsArray() @IsString({ each: true }) stepUpFactors?: string[];
  @IsOptional() @IsCallable('a class-validator class') dataClass?: unknown;
  @IsOptional() @IsCallable('a function (event) => void') onEvent?: unknown;
  @IsOptional() @ValidateNested() @Type(() => SessionStoreOptionsDto) store?: SessionStoreOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => DegradedSignInOptionsDto) degraded?: DegradedSignInOptionsDto;
}
