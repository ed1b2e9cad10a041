import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CacheHealthIndicator, Public, RedisHealthIndicator, SessionHealthIndicator, SkipRateLimit } from 'nestjs-rediskit';
import { DatabaseHealthIndicator } from './database.health.js';

/** `GET /health`: 200 when Redis, the cache and session paths, and the database answer; 503 with details otherwise. */
@ApiTags('operations')
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly cache: CacheHealthIndicator,
    private readonly sessions: SessionHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.redis.isHealthy('redis', { timeout: '1s' }),
      () => this.cache.isHealthy('cache', { timeout: '1s' }),
      () => this.sessions.isHealthy('sessions', { timeout: '1s' }),
      () => this.database.isHealthy('database'),
    ]);
  }
}
