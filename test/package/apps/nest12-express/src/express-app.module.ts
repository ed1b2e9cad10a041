import { Controller, Get, Module, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from 'nestjs-rediskit';
import { AppModule } from './app.module.js';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

/** express-session with RediskitSessionStore: a counter kept in the session. */
@Controller('visits')
class VisitsController {
  @Public()
  @Get()
  visit(@Req() req: Request) {
    req.session.views = (req.session.views ?? 0) + 1;
    return { views: req.session.views };
  }
}

@Module({ imports: [AppModule], controllers: [VisitsController] })
export class ExpressAppModule {}
