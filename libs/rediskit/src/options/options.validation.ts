import 'reflect-metadata';
import { SEPARATOR } from '../keyspace/keyspace.js';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { RediskitConfigError } from '../errors.js';
import { MAX_DEPTH_CEILING } from '../codec/decode-limits.js';
import { IsDuration } from './is-duration.decorator.js';
import { urlProblems } from './redis-url.js';
import { connectionKind, type RedisConnectionOptions } from './connection-options.js';
import type { RedisModuleOptions } from './redis-module-options.js';
import type { Duration } from './duration.js';
import { HealthOptionsDto } from '../health/health.options.dto.js';
import { MetricsOptionsDto } from '../metrics/metrics.options.dto.js';
import { RateLimitOptionsDto } from '../rate-limit/rate-limit.options.dto.js';
import { SessionOptionsDto } from '../session/session.options.dto.js';
import { CacheOptionsDto } from '../cache/cache.options.dto.js';
import { HttpCacheOptionsDto } from '../http-cache/http-cache.options.dto.js';
import { PubSubOptionsDto } from '../pubsub/pubsub.options.js';
import { LockConnectionsConfigured, LockModuleOptionsDto } from '../lock/lock.options.js';

/** A `redis://` / `rediss://` URL that Node can parse: the error names what is wrong, never the password. */
function IsRedisUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isRedisUrl',
    validator: { validate: (value: unknown) => urlProblems(value).length === 0, defaultMessage: (args) => `url ${urlProblems(args?.value).join('; ')}` },
  });
}

const HOST = /^[^\s/@?#]+$/;
const HOST_MESSAGE = 'host must be a host name or address, without spaces, "/", "@", "?" or "#"';

class NodeAddressDto {
  @IsString() @Matches(HOST, { message: HOST_MESSAGE }) host: string;
  @IsInt() @Min(1) @Max(65535) port: number;
}

class ReconnectDto {
  @IsOptional() @IsDuration() baseDelay?: Duration;
  @IsOptional() @IsDuration() maxDelay?: Duration;
}

class ClusterDto {
  @IsArray() @ValidateNested({ each: true }) @Type(() => NodeAddressDto) nodes: NodeAddressDto[];
}

/** One connection, any topology; which fields may be combined is checked in `connectionProblems`. */
export class ConnectionOptionsDto {
  @IsOptional() @IsRedisUrl() url?: string;
  @IsOptional() @IsString() @Matches(HOST, { message: HOST_MESSAGE }) host?: string;
  @IsOptional() @IsInt() @Min(1) @Max(65535) port?: number;
  @IsOptional() @IsInt() @Min(0) db?: number;
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => NodeAddressDto) sentinels?: NodeAddressDto[];
  @IsOptional() @IsString() @IsNotEmpty() name?: string;
  @IsOptional() @IsString() sentinelUsername?: string;
  @IsOptional() @IsString() sentinelPassword?: string;
  @IsOptional() @ValidateNested() @Type(() => ClusterDto) cluster?: ClusterDto;
  @IsOptional() @IsDuration() connectTimeout?: Duration;
  @IsOptional() @IsDuration() commandTimeout?: Duration;
  @IsOptional() @IsDuration() perCommandTimeout?: Duration;
  @IsOptional() @IsInt() @Min(0) maxRetriesPerRequest?: number;
  @IsOptional() @IsDuration() keepAlive?: Duration;
  @IsOptional() @ValidateNested() @Type(() => ReconnectDto) reconnect?: ReconnectDto;
  @IsOptional() @IsObject() redisOptions?: object;
}

// Key segments we control must not contain what user parts are encoded against.
const SAFE_SEGMENT = /^[^:*?[\]{}\\\s%]+$/;
class KeyspaceDto {
  @IsOptional() @Matches(SAFE_SEGMENT, { message: 'keyspace.prefix must not contain : * ? [ ] { } \\ % or spaces' }) prefix?: string;
  @IsOptional() @Matches(SAFE_SEGMENT, { message: 'keyspace.app must not contain : * ? [ ] { } \\ % or spaces' }) app?: string;
  @IsOptional() @Matches(SAFE_SEGMENT, { message: 'keyspace.env must not contain : * ? [ ] { } \\ % or spaces' }) env?: string;
  @IsOptional() @IsString() @Matches(SEPARATOR, { message: 'keyspace.separator must be one punctuation character other than * ? [ ] { } \\ %' }) separator?: string;
}

class CompressionDto {
  @IsNotEmpty() algorithm: unknown;
  @IsOptional() @IsInt() @Min(0) threshold?: number;
}

class CodecDto {
  @IsOptional() serializer?: unknown;
  @IsOptional() @ValidateNested() @Type(() => CompressionDto) compression?: CompressionDto;
  @IsOptional() @IsInt() @Min(1) maxInflatedSize?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_DEPTH_CEILING) maxDepth?: number;
}

class CircuitBreakerDto {
  @IsOptional() @IsInt() @Min(1) failureThreshold?: number;
  @IsOptional() @IsDuration() recoveryTimeout?: Duration;
}

class RedisModuleOptionsDto {
  // connection and connections are checked by connectionProblems (topology rules).
  @IsOptional() @ValidateNested() @Type(() => KeyspaceDto) keyspace?: KeyspaceDto;
  @IsOptional() @ValidateNested() @Type(() => CodecDto) codec?: CodecDto;
  @IsOptional() @IsNumber() @Min(1) readyTimeout?: number;
  @IsOptional() @ValidateNested() @Type(() => MetricsOptionsDto) metrics?: MetricsOptionsDto;
  // Capability sections: each capability adds its DTO here.
  @IsOptional() @ValidateNested() @Type(() => CacheOptionsDto) cache?: CacheOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => HttpCacheOptionsDto) httpCache?: HttpCacheOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => SessionOptionsDto) session?: SessionOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => RateLimitOptionsDto) rateLimit?: RateLimitOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => LockModuleOptionsDto) @LockConnectionsConfigured() lock?: LockModuleOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => PubSubOptionsDto) pubsub?: PubSubOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => HealthOptionsDto) health?: HealthOptionsDto;
}

/** Flattens class-validator's tree into `path: message` lines. */
export function describeErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
    return [...own, ...describeErrors(e.children ?? [], path)];
  });
}

/** Validates `value` against a DTO class and returns every problem, prefixed with `path`. */
export function problemsOf(dto: new () => object, value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object') return [`${path || 'options'}: must be an object`];
  return describeErrors(validateSync(plainToInstance(dto, value) as object), path);
}

function connectionProblems(c: RedisConnectionOptions | undefined, path: string): string[] {
  if (!c || typeof c !== 'object') return [`${path}: is required ({ url } | { host, port } | { sentinels, name } | { cluster: { nodes } })`];
  const problems = problemsOf(ConnectionOptionsDto, c, path);
  const given = ['url', 'host', 'sentinels', 'cluster'].filter((k) => (c as Record<string, unknown>)[k] !== undefined);
  const standalone = given.filter((k) => k === 'url' || k === 'host');
  const others = given.length - standalone.length;
  if ((others > 0 && standalone.length > 0) || others > 1) {
    problems.push(`${path}: choose one topology; got ${given.join(' + ')}`);
  }
  if (connectionKind(c) === 'sentinel' && !('name' in c && c.name)) problems.push(`${path}.name: the sentinel master name is required`);
  if (connectionKind(c) === 'cluster' && !(c as { cluster: { nodes?: unknown[] } }).cluster.nodes?.length) {
    problems.push(`${path}.cluster.nodes: at least one node is required`);
  }
  return problems;
}

/**
 * Checks the whole options object and throws one `RediskitConfigError` that lists every bad
 * field, so a misconfigured app fails at boot with everything to fix in one message.
 */
export function validateModuleOptions(options: RedisModuleOptions): RedisModuleOptions {
  if (!options || typeof options !== 'object') throw new RediskitConfigError(['options: must be an object']);
  const problems = [
    ...problemsOf(RedisModuleOptionsDto, withoutPluggedObjects(options), ''),
    ...connectionProblems(options.connection, 'connection'),
    ...Object.entries(options.connections ?? {}).flatMap(([name, c]) => connectionProblems(c, `connections.${name}`)),
    ...(options.circuitBreaker === false ? [] : problemsOf(CircuitBreakerDto, options.circuitBreaker, 'circuitBreaker')),
    ...codecProblems(options),
  ];
  if (problems.length > 0) throw new RediskitConfigError(problems);
  return options;
}

// class-transformer rebuilds nested class instances by calling their constructors without
// arguments; user-supplied serializers and compressors are checked by codecProblems instead.
function withoutPluggedObjects(options: RedisModuleOptions): RedisModuleOptions {
  if (!options.codec) return options;
  const { serializer: _serializer, compression, ...codec } = options.codec;
  return { ...options, codec: { ...codec, ...(compression && { compression: { ...compression, algorithm: 'gzip' as const } }) } };
}

function codecProblems(options: RedisModuleOptions): string[] {
  const codec = options.codec;
  if (!codec) return [];
  const problems: string[] = [];
  const s = codec.serializer;
  if (s !== undefined && s !== 'json' && s !== 'msgpack' && !(typeof s === 'object' && typeof s.serialize === 'function' && typeof s.deserialize === 'function')) {
    problems.push(`codec.serializer: must be 'json', 'msgpack' or an object with serialize/deserialize`);
  }
  const a = codec.compression?.algorithm;
  if (a !== undefined && a !== 'gzip' && a !== 'brotli' && !(typeof a === 'object' && typeof a.compress === 'function' && typeof a.decompress === 'function')) {
    problems.push(`codec.compression.algorithm: must be 'gzip', 'brotli' or an object with compress/decompress`);
  }
  return problems;
}
