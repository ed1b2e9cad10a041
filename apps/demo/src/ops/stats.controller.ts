import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, SkipRateLimit } from 'nestjs-rediskit';
import { StatsService, type DemoStats } from './stats.service.js';

/** `GET /stats`: cache hit ratio, active sessions, rate-limit blocks, as JSON for the page. */
@ApiTags('operations')
@Public()
@SkipRateLimit()
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  get(): Promise<DemoStats> {
    return this.stats.snapshot();
  }
}
