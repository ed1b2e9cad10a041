import { Type } from 'class-transformer';
import { IsArray, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidateNested } from 'class-validator';
import { connectionKind, type RedisConnectionOptions } from './connection-options.js';
import type { Duration } from './duration.js';
import { IsDuration } from './is-duration.decorator.js';
import { problemsOf } from './option-problems.js';
import { urlProblems } from './redis-url.js';

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

/**
 * Every problem of one connection's options (`path` is where it sits: `connection`,
 * `connections.reports`): its fields, and which may be combined (one topology).
 */
export function connectionProblems(c: RedisConnectionOptions | undefined, path: string): string[] {
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
