import {
  ForbiddenException,
  HttpException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RediskitCircuitOpenError, RediskitConnectionError, RediskitSerializationError } from '../errors.js';
import { IS_PUBLIC_KEY, REFUSE_DEGRADED_KEY, SESSION_REQUEST_KEY, SESSION_TOKEN_REQUEST_KEY, STEP_UP_KEY } from './session.constants.js';
import { readCookie } from './session.cookie.js';
import { appendSetCookie } from './session.set-cookie.js';
import { clientIp, fingerprintOf, type RequestLike } from './session.request.js';
import { isVerifiedAt, SessionService } from './session.service.js';
import type { Session } from './session.types.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

type GuardOutcome = 'allowed' | 'public' | 'unauthenticated' | 'rejected' | 'step_up' | 'unavailable' | 'degraded';
type Targets = [ReturnType<ExecutionContext['getHandler']>, ReturnType<ExecutionContext['getClass']>];

/**
 * Lets a request through only with a live session, read from the cookie or the bearer header
 * (`session.tokenSources`). Each request costs one Redis round trip (read + throttled idle
 * extension). Then: optional IP / user-agent / fingerprint binding (401 on mismatch), the
 * `riskAssessor` (401 at `deny`, 403 `STEP_UP_REQUIRED` at `stepUp` without a fresh
 * verification), and `@RequireStepUp()`.
 *
 * Fails closed: when Redis is down or the circuit is open it answers 503 — never a pass,
 * never a 500. With degraded sign-in (`session.degraded`, off by default) it issues a signed
 * fallback cookie next to the session cookie, and while Redis is unreachable admits a request
 * whose fallback cookie is valid as a read-only session (`degraded: true`), except on routes
 * with `@RefuseDegraded()` or `@RequireStepUp()`. Use it globally (`{ provide: APP_GUARD, useClass: SessionGuard }`, with
 * `@Public()` on open routes) or per route (`@UseGuards(SessionGuard)`). Extend it and
 * override `getToken` to read the token elsewhere.
 *
 * @example
 * @UseGuards(SessionGuard)
 * @Get('me') me(@CurrentSession() session: Session) { return { userId: session.userId } }
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly logger = new RediskitLogger('SessionGuard');

  constructor(
    protected readonly sessions: SessionService,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets: Targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return this.count('public');
    try {
      if (context.getType() !== 'http') throw this.deny('unauthenticated', new UnauthorizedException('SessionGuard protects HTTP routes only'));
      const request = context.switchToHttp().getRequest<RequestLike & Record<string, unknown>>();
      const token = this.getToken(request);
      if (!token) throw this.deny('unauthenticated', new UnauthorizedException('Authentication required'));
      let session;
      try {
        session = await this.sessions.touch(token);
      } catch (error) {
        if (!this.sessions.fallback || !unreachable(error)) throw error;
        return await this.admitDegraded(request, token, targets, error);
      }
      if (!session) throw this.deny('unauthenticated', new UnauthorizedException('Session expired or unknown'));
      const mismatch = this.bindingMismatch(session, request);
      if (mismatch) throw this.reject(session, mismatch);
      await this.checkRisk(session, request, this.reflector.getAllAndOverride<string[] | undefined>(STEP_UP_KEY, targets));
      request[SESSION_REQUEST_KEY] = session;
      request[SESSION_TOKEN_REQUEST_KEY] = token;
      this.issueFallback(context, request, token, session);
      return this.count('allowed');
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** The token of the request: the cookie or the bearer header, in `session.tokenSources` order (`SessionService.tokenOf`). */
  protected getToken(request: RequestLike & { cookies?: Record<string, string> }): string | undefined {
    return this.sessions.tokenOf(request);
  }

  /** Calls the configured `riskAssessor`; a score outside 0..1 counts as 1 (fail closed). */
  protected async assessRisk(session: Session, request: unknown): Promise<number | undefined> {
    const assessor = this.sessions.settings.riskAssessor;
    if (!assessor) return undefined;
    const score = await assessor(session, request);
    if (typeof score === 'number' && score >= 0 && score <= 1) return score;
    this.logger.warn(`riskAssessor returned ${String(score)}; treating it as 1 (deny)`);
    return 1;
  }

  // Redis is unreachable: a valid fallback cookie for this token (signed, unexpired, same
  // binding) stands in for the session, read-only. Anything else fails closed as before (503).
  private async admitDegraded(request: RequestLike & Record<string, unknown>, token: string, targets: Targets, cause: unknown): Promise<boolean> {
    const claims = this.sessions.fallback!.verify(request, token, Date.now());
    if (!claims || this.reflector.getAllAndOverride<boolean>(REFUSE_DEGRADED_KEY, targets) || this.reflector.getAllAndOverride<string[]>(STEP_UP_KEY, targets)) throw cause;
    const now = Date.now();
    const session: Session = {
      id: claims.sessionId,
      userId: claims.userId,
      data: {},
      createdAt: 0,
      lastActiveAt: now,
      expiresAt: claims.expiresAt,
      absoluteExpiresAt: claims.expiresAt,
      verified: {},
      readAt: now,
      revision: 0,
      degraded: true,
    };
    const score = await this.assessRisk(session, request);
    if (score !== undefined && score >= this.sessions.settings.riskThresholds.deny) throw this.reject(session, 'risk', score);
    if (score !== undefined && score >= this.sessions.settings.riskThresholds.stepUp) throw cause; // no step-up can be granted now
    request[SESSION_REQUEST_KEY] = session; // no token on the request: nothing can write the session
    return this.count('degraded');
  }

  // A fallback cookie goes with a session cookie only (bearer clients keep their token), and
  // is issued again when missing, stale for this token, or past half its lifetime.
  private issueFallback(context: ExecutionContext, request: RequestLike & { cookies?: Record<string, string | undefined> }, token: string, session: Session): void {
    const fallback = this.sessions.fallback;
    const name = this.sessions.settings.cookie.name;
    if (!fallback || (request.cookies?.[name] ?? readCookie(request.headers.cookie, name)) !== token) return;
    const cookie = fallback.issue(request, token, session, session.readAt);
    if (cookie) appendSetCookie(context.switchToHttp().getResponse(), cookie);
  }

  private bindingMismatch(session: Session, request: RequestLike): string | undefined {
    const { binding, fingerprintHeaders } = this.sessions.settings;
    if (!binding) return undefined;
    if (binding.ip && session.ip !== clientIp(request)) return 'ip';
    const userAgent = request.headers['user-agent'];
    if (binding.userAgent && session.userAgent !== (Array.isArray(userAgent) ? userAgent.join(', ') : userAgent)?.slice(0, 512)) return 'user-agent';
    if (binding.fingerprint && session.fingerprint !== fingerprintOf(request, fingerprintHeaders)) return 'fingerprint';
    return undefined;
  }

  private async checkRisk(session: Session, request: unknown, routeFactors: string[] | undefined): Promise<void> {
    const score = await this.assessRisk(session, request);
    const { riskThresholds, stepUpFactors } = this.sessions.settings;
    if (score !== undefined && score >= riskThresholds.deny) throw this.reject(session, 'risk', score);
    const riskStepUp = score !== undefined && score >= riskThresholds.stepUp;
    if (!riskStepUp && !routeFactors) return;
    const factors = routeFactors?.length ? routeFactors : (stepUpFactors ?? Object.keys(session.verified));
    if (factors.some((factor) => isVerifiedAt(session, factor))) return;
    const body = { statusCode: 403, error: 'STEP_UP_REQUIRED', message: 'Step-up verification required', factors: routeFactors?.length ? routeFactors : stepUpFactors };
    throw this.deny('step_up', new ForbiddenException(body));
  }

  private reject(session: Session, reason: string, risk?: number): HttpException {
    this.sessions.emit({ type: 'rejected', userId: session.userId, sessionId: session.id, at: session.readAt, reason, risk });
    return this.deny('rejected', new UnauthorizedException('Session rejected'));
  }

  private deny(outcome: GuardOutcome, exception: HttpException): HttpException {
    this.count(outcome);
    return exception;
  }

  // Everything that is not a deliberate 401/403 becomes 503: a Redis outage (or a bug, or a
  // throwing riskAssessor) must neither let the request through nor surface as a 500.
  private failure(error: unknown): HttpException {
    if (error instanceof HttpException) return error; // counted where it was thrown
    if (error instanceof RediskitSerializationError) {
      this.logger.warn(`Unreadable session data: ${error.message}`);
      return this.deny('unauthenticated', new UnauthorizedException('Session unreadable'));
    }
    this.logger.warn(`Session check failed, answering 503: ${(error as Error)?.message ?? error}`);
    return this.deny('unavailable', new ServiceUnavailableException('Sessions are temporarily unavailable'));
  }

  private count(outcome: GuardOutcome): true {
    this.sessions.guardMetric.inc({ outcome });
    return true;
  }
}

/** Redis could not be asked (down, hung, circuit open), as opposed to answering an error. */
function unreachable(error: unknown): boolean {
  return error instanceof RediskitConnectionError || error instanceof RediskitCircuitOpenError;
}
