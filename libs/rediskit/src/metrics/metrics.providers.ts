import type { Provider } from '@nestjs/common';
import { RedisConnectionMetrics } from './connection.metrics.js';

/** Providers of the core metrics (MetricsService itself is a core provider of the module). */
export const metricsProviders: Provider[] = [RedisConnectionMetrics];
