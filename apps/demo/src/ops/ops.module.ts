import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { StatsController } from './stats.controller.js';
import { StatsService } from './stats.service.js';
import { TracesController } from './traces.controller.js';

/** Operations: /health (Terminus), /metrics (Prometheus), /traces (recent spans), /stats (the page's live numbers). */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController, MetricsController, TracesController, StatsController],
  providers: [DatabaseHealthIndicator, StatsService],
})
export class OpsModule {}
