import { Inject } from '@nestjs/common';
import { DEFAULT_CONNECTION } from '../options/redis-module-options.js';

/** Injection token of the ioredis client of connection `name`. */
export function getRedisToken(name: string = DEFAULT_CONNECTION): string {
  return `rediskit:redis:${name}`;
}

/**
 * Injects the ioredis client (`Redis`, or `Cluster` on a cluster) of a connection. With
 * `forRootAsync`, list extra names in `connectionNames` so their providers exist before the
 * options are known.
 *
 * @example
 * constructor(@InjectRedis() private readonly redis: Redis) {}
 * constructor(@InjectRedis('reports') private readonly reports: Redis) {}
 */
export function InjectRedis(name: string = DEFAULT_CONNECTION): ParameterDecorator & PropertyDecorator {
  return Inject(getRedisToken(name));
}
