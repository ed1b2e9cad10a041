import {
  Controller,
  Get,
  Header,
  Injectable,
  Query,
  Req,
  Scope,
  UseGuards,
  UseInterceptors,
  VERSION_NEUTRAL,
  VersioningType,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CacheResponse, HttpCacheService, RedisModule, ResponseCacheInterceptor, type HttpCacheOptions } from 'nestjs-rediskit';
import type { Observable } from 'rxjs';
import type { AdapterName } from './http-cache-app.js';

/** Calls counted by name: handlers, guards, interceptors (every app of a test file shares it). */
export const seen: Record<string, number> = {};
export const see = (name: string) => (seen[name] = (seen[name] ?? 0) + 1);

// Counts the requests that reach the response cache's interceptor (an early hit never does),
// on the class itself: a subclass overriding intercept() is never answered early.
const intercept = ResponseCacheInterceptor.prototype.intercept;
ResponseCacheInterceptor.prototype.intercept = function (this: ResponseCacheInterceptor, context: ExecutionContext, next: CallHandler) {
  see(`cache:${context.getHandler().name}`);
  return intercept.call(this, context, next);
};

/** The response cache with a credential of the app's own (`X-Api-Token`): early hits follow it too. */
@Injectable()
export class TokenAwareCacheInterceptor extends ResponseCacheInterceptor {
  constructor(httpCache: HttpCacheService) {
    super(httpCache);
  }
  protected override carriesCredentials(request: any): boolean {
    return request.headers['x-api-token'] !== undefined || super.carriesCredentials(request);
  }
}

/** A subclass that adds work to every request: its routes are never answered early. */
@Injectable()
export class OverridingCacheInterceptor extends ResponseCacheInterceptor {
  constructor(httpCache: HttpCacheService) {
    super(httpCache);
  }
  override intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    see(`override:${context.getHandler().name}`);
    return super.intercept(context, next);
  }
}

@Injectable()
export class CountingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    see(`guard:${context.getHandler().name}`);
    return true;
  }
}

@Injectable()
export class CountingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    see(`interceptor:${context.getHandler().name}`);
    return next.handle();
  }
}

/** Bodies depend on the request only, so two apps give the same bytes (and ETags). */
@Controller('early')
export class EarlyController {
  @CacheResponse({ tags: ['early', 'open'] })
  @Get('open')
  open(@Query() query: Record<string, string>) {
    see('handler:open');
    return { route: 'open', query };
  }

  @CacheResponse({ varyBy: ['accept-language'] })
  @Get('vary')
  vary(@Req() req: any) {
    see('handler:vary');
    return { lang: req.headers['accept-language'] ?? null };
  }

  @CacheResponse({ private: true })
  @Get('mine')
  mine(@Req() req: any) {
    see('handler:mine');
    return { user: req.headers['x-user'] ?? null };
  }

  @CacheResponse({ condition: (req: any) => req.headers['x-skip'] === undefined })
  @Get('conditional')
  conditional() {
    see('handler:conditional');
    return { conditional: true };
  }

  @CacheResponse()
  @Get('text')
  text() {
    see('handler:text');
    return 'plain text';
  }

  @CacheResponse()
  @Get('bytes')
  bytes() {
    see('handler:bytes');
    return Buffer.from([0, 1, 2, 255]);
  }

  // An interceptor inside the response cache: it does not run on a hit, early or not.
  @UseInterceptors(CountingInterceptor)
  @CacheResponse()
  @Get('inner')
  inner() {
    see('handler:inner');
    return { inner: true };
  }

  @UseGuards(CountingGuard)
  @CacheResponse()
  @Get('guarded')
  guarded() {
    see('handler:guarded');
    return { guarded: true };
  }

  @Header('x-route', 'fixed')
  @CacheResponse()
  @Get('header')
  header() {
    see('handler:header');
    return { header: true };
  }
}

/** Guarded as a whole: every route's guard runs on every hit. */
@Controller('early-guarded')
@UseGuards(CountingGuard)
export class GuardedController {
  @CacheResponse()
  @Get('one')
  one() {
    see('handler:one');
    return { one: true };
  }
}

/** Request-scoped: Nest builds it (and its request-scoped providers) on every request, hit or not. */
@Controller({ path: 'early-scoped', scope: Scope.REQUEST })
export class ScopedController {
  constructor() {
    see('scoped:created');
  }

  @CacheResponse()
  @Get('one')
  scoped() {
    see('handler:scoped');
    return { scoped: true };
  }
}

/** Only for one host: Nest filters the host inside its handler. */
@Controller({ path: 'early-host', host: 'api.shop.example' })
export class HostController {
  @CacheResponse()
  @Get('one')
  hosted() {
    see('handler:hosted');
    return { hosted: true };
  }
}

export interface EarlyAppOptions {
  earlyHits: boolean;
  prefix: string;
  /** A global guard: an APP_GUARD provider, or `app.useGlobalGuards()`. */
  globalGuard?: 'provider' | 'app';
  /** Header versioning (`X-Version`), which Nest applies inside its handler. */
  headerVersioning?: boolean;
  /** A global interceptor registered before the response cache (an APP_INTERCEPTOR provider first). */
  outerInterceptor?: boolean;
  /** The global response cache is a subclass overriding intercept(). */
  overridingInterceptor?: boolean;
  httpCache?: HttpCacheOptions;
}

/** An app with `TokenAwareCacheInterceptor` as APP_INTERCEPTOR, on the chosen adapter. */
export async function startEarlyApp(adapter: AdapterName, url: string, o: EarlyAppOptions): Promise<{ app: INestApplication; http: HttpCacheService; server: any }> {
  const providers: Provider[] = [];
  if (o.outerInterceptor) providers.push({ provide: APP_INTERCEPTOR, useClass: CountingInterceptor });
  providers.push({ provide: APP_INTERCEPTOR, useClass: o.overridingInterceptor ? OverridingCacheInterceptor : TokenAwareCacheInterceptor });
  if (o.globalGuard === 'provider') providers.push({ provide: APP_GUARD, useClass: CountingGuard });
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { url },
        keyspace: { prefix: o.prefix, app: adapter },
        httpCache: { identify: (req: any) => req.headers['x-user'], ...o.httpCache, earlyHits: o.earlyHits },
      }),
    ],
    controllers: [EarlyController, GuardedController, ScopedController, HostController],
    providers,
  }).compile();
  const app = adapter === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false }) : moduleRef.createNestApplication({ logger: false });
  if (o.globalGuard === 'app') app.useGlobalGuards(new CountingGuard());
  if (o.headerVersioning) app.enableVersioning({ type: VersioningType.HEADER, header: 'x-version', defaultVersion: VERSION_NEUTRAL });
  await app.listen(0, '127.0.0.1');
  return { app, http: app.get(HttpCacheService), server: app.getHttpServer() };
}
