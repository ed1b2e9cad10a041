import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Public, SkipRateLimit } from 'nestjs-rediskit';
import { recentSpans, type SpanView } from './demo-tracing.js';

/** `GET /traces`: the last spans rediskit recorded (the demo keeps them in memory instead of exporting them). */
@ApiTags('operations')
@Public()
@SkipRateLimit()
@Controller('traces')
export class TracesController {
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiQuery({ name: 'name', required: false, description: 'only spans of this name, e.g. rediskit.cache.getOrSet' })
  list(@Query('name') name?: string): SpanView[] {
    return recentSpans(name);
  }
}
