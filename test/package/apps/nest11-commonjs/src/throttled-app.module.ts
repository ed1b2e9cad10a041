import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Public } from 'nestjs-rediskit';
import { RediskitThrottlerStorage } from 'nestjs-rediskit/throttler';
import { AppModule } from './app.module.js';

/** @nestjs/throttler with its storage in Redis. */
@Controller('throttled')
class ThrottledController {
  @Public()
  @UseGuards(ThrottlerGuard)
  @Get()
  hit() {
    return { ok: true };
  }
}

@Module({
  imports: [
    AppModule,
    ThrottlerModule.forRootAsync({
      inject: [RediskitThrottlerStorage],
      useFactory: (storage: RediskitThrottlerStorage) => ({ throttlers: [{ ttl: 60_000, limit: 2 }], storage }),
    }),
  ],
  controllers: [ThrottledController],
})
export class ThrottledAppModule {}
