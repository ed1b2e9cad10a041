import { HEALTH_INDICATOR_SERVICE, loadHealthIndicatorService } from './health-indicator.loader.js';
import { RedisHealthIndicator } from './redis.health-indicator.js';
import { RedisMonitor } from './redis.monitor.js';
import { CacheHealthIndicator, SessionHealthIndicator } from './store.health-indicators.js';
import { defineCapability } from '../capability.js';
import { HealthOptionsDto } from './health.options.dto.js';

/** Health: the Terminus indicators (terminus is optional) and the Redis monitor. */
export const healthCapability = defineCapability({
  section: 'health',
  optionsDto: HealthOptionsDto,
  providers: [
    { provide: HEALTH_INDICATOR_SERVICE, useFactory: loadHealthIndicatorService },
    RedisHealthIndicator,
    CacheHealthIndicator,
    SessionHealthIndicator,
    RedisMonitor,
  ],
});
