import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { IS_PUBLIC_KEY, REFUSE_DEGRADED_KEY, SESSION_REQUEST_KEY, SESSION_TOKEN_REQUEST_KEY, STEP_UP_KEY } from './session.constants.js';
import type { Session } from './session.types.js';

/**
 * Lets a route (or every route of a controller) through {@link SessionGuard} without a session.
 *
 * @example
 * @Public() @Post('login') login(@Body() body: LoginDto) { ... }
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Requires a fresh step-up verification (`markVerified`) of one of `factors` (any factor when
 * none is named); without it the guard answers 403 `STEP_UP_REQUIRED`.
 *
 * @example
 * @RequireStepUp('webauthn') @Post('transfer') transfer() { ... }
 */
export const RequireStepUp = (...factors: string[]): MethodDecorator & ClassDecorator => SetMetadata(STEP_UP_KEY, factors);

/**
 * Refuses degraded sessions (`session.degraded`: admitted from a fallback cookie while Redis is
 * unreachable) on a route or controller: the guard answers 503, as it would without degraded
 * sign-in. Use it on routes that must see a live, revocable session: payments, account
 * changes, admin.
 *
 * @example
 * @RefuseDegraded() @Post('transfer') transfer() { ... }
 */
export const RefuseDegraded = (): MethodDecorator & ClassDecorator => SetMetadata(REFUSE_DEGRADED_KEY, true);

/**
 * The session the guard accepted for this request (`undefined` on `@Public()` routes), or one
 * of its properties.
 *
 * @example
 * @Get('me') me(@CurrentSession() session: Session<{ role: string }>) { return session.data }
 * @Get('id') id(@CurrentSession('userId') userId: string) { return userId }
 */
export const CurrentSession = createParamDecorator((property: keyof Session | 'token' | undefined, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<Record<string, unknown>>();
  if (property === 'token') return request[SESSION_TOKEN_REQUEST_KEY];
  const session = sessionOf(request);
  return property ? session?.[property] : session;
});

/**
 * The session `SessionGuard` attached to `request`, or undefined (not checked yet, `@Public()`
 * without a session). For code that sees the request outside a handler: a rate-limit `user`
 * function, an interceptor, a logger.
 *
 * @example
 * RedisModule.forRoot({ connection, rateLimit: { user: (req) => sessionOf(req)?.userId } })
 */
export function sessionOf<T = Record<string, unknown>>(request: unknown): Session<T> | undefined {
  return (request as Record<string, unknown> | undefined)?.[SESSION_REQUEST_KEY] as Session<T> | undefined;
}
