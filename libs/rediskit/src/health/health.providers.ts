import type { Provider } from '@nestjs/common';
import { HEALTH_INDICATOR_SERVICE, loadHealthIndicatorService } from './health-indicator.loader.js';
import { RedisHealthIndicator } from './redis.health-indicator.js';
import { RedisMonitor } from './redis.monitor.js';
import { CacheHealthIndicator, SessionHealthIndicator } from './store.health-indicators.js';

/** Health indicators and the monitor. */
export const healthProviders: Provider[] = [
  { provide: HEALTH_INDICATOR_SERVICE, useFactory: loadHealthIndicatorService },
  RedisHealthIndicator,
  CacheHealthIndicator,
  SessionHealthIndicator,
  RedisMonitor,
];
