import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CacheResponse, CurrentSession, Public, RateLimit, SessionService, type Session } from 'nestjs-rediskit';
import { ShopService } from './shop.service.js';

/** One route per capability; the compatibility test drives them over HTTP. */
@Controller()
export class ShopController {
  constructor(
    private readonly shop: ShopService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Get('products/:id')
  product(@Param('id') id: string) {
    return this.shop.product(id);
  }

  @Public()
  @Post('products/:id/invalidate')
  @HttpCode(204)
  invalidate(@Param('id') id: string) {
    return this.shop.invalidate(id);
  }

  @Public()
  @Get('catalog')
  @CacheResponse({ ttl: '1m', tags: ['catalog'] })
  catalog() {
    return { items: ['a', 'b'], at: Date.now() + Math.random() };
  }

  @Public()
  @Get('limited')
  @RateLimit({ limit: 2, window: '1m', key: 'ip' })
  limited() {
    return { ok: true };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Req() req: unknown, @Res({ passthrough: true }) res: unknown) {
    const { token, session } = await this.sessions.create('ann', { role: 'user' }, this.sessions.clientOf(req as never));
    this.sessions.setCookie(res, token, session);
    return { userId: session.userId };
  }

  @Get('me')
  me(@CurrentSession() session: Session) {
    return { userId: session.userId };
  }

  @Public()
  @Post('checkout/:id')
  @HttpCode(200)
  checkout(@Param('id') id: string) {
    return this.shop.checkout(id);
  }

  @Public()
  @Post('publish/:text')
  @HttpCode(204)
  publish(@Param('text') text: string) {
    return this.shop.publish(text);
  }

  @Public()
  @Get('runtime')
  runtime() {
    return { node: process.versions.node };
  }

  @Public()
  @Get('received')
  received() {
    return this.shop.received;
  }
}
