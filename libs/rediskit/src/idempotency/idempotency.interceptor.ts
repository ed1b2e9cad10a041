import { HttpStatus, Injectable, Logger, StreamableFile, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { lastValueFrom, of, type Observable } from 'rxjs';
import type { RediskitErrorCode } from '../errors.js';
import { exchangeOf, type HttpExchange } from '../http-cache/index.js';
import { toPositiveMs } from '../options/duration.js';
import { IDEMPOTENT_KEY, REPLAYED_HEADER } from './idempotency.constants.js';
import { IdempotencyException } from './idempotency.exceptions.js';
import { requestFingerprint } from './idempotency.fingerprint.js';
import type { IdempotentOptions } from './idempotency.options.js';
import { readIdempotentResponse, type IdempotentResponse } from './idempotency.response.js';
import { IdempotencyService } from './idempotency.service.js';
import { parseIdempotencyKey, recordId } from './idempotency-key.js';
import { storedResponseOf } from './stored-response.builder.js';

const NONE = Symbol('no value');
// Requests already handled: `@Idempotent` on a controller and on one of its routes applies the
// interceptor twice, and the inner one must pass through (it would find the outer one's claim).
const seen = new WeakSet<object>();

/** A route's settings: its `@Idempotent` options over the module's. */
interface RoutePlan {
  ttl: number;
  inProgressTtl: number;
  required: boolean;
  /** The status Nest sends the handler's value with (`@HttpCode`, else 201 for POST, 200). */
  status?: number;
}

/**
 * Runs a request with an `Idempotency-Key` once per client and key, across instances, and
 * answers its retries with the stored response (see `@Idempotent`, which applies it). What it
 * does with a request, in order:
 * 1. no header: 400 when the route requires one, else the handler runs as usual;
 * 2. a key that is empty, too long or malformed: 400; no client identity: 401;
 * 3. one Lua script claims the key for this request's fingerprint, within the budget. Redis
 *    away: 503 (`failure: 'closed'`, the handler does not run) or the handler runs unprotected
 *    (`'open'`). A late claim changes nothing (deadline), so the handler never runs after its
 *    call gave up;
 * 4. claimed: the handler runs; its response is stored before it is sent. A handler that throws
 *    frees the key (the client may retry). Already done: the stored response, `Idempotent-Replayed:
 *    true`. Still running elsewhere: 409 with `Retry-After` (the draft's answer; requests do not
 *    wait). Another fingerprint: 422.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly plans = new WeakMap<Function, RoutePlan>();
  private readonly logger = new Logger('Idempotency');

  constructor(protected readonly idempotency: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const plan = this.planOf(context);
    const http = context.switchToHttp();
    const req = http.getRequest();
    if (seen.has(req)) return next.handle();
    seen.add(req);
    const ex = exchangeOf(req, http.getResponse());
    const s = this.idempotency.settings;
    const metrics = this.idempotency.metrics.requests;
    const header = ex.header(s.header);
    if (header === undefined) {
      if (!plan.required) return next.handle();
      metrics.rejected.inc();
      throw this.refusal('IDEMPOTENCY_KEY_MISSING', HttpStatus.BAD_REQUEST, `this operation requires an ${s.header} header`, ex);
    }
    const parsed = parseIdempotencyKey(header, s.maxKeyLength);
    if ('problem' in parsed) {
      metrics.rejected.inc();
      throw this.refusal('IDEMPOTENCY_KEY_INVALID', HttpStatus.BAD_REQUEST, `the ${s.header} header is ${parsed.problem} (a quoted string of at most ${s.maxKeyLength} characters)`, ex);
    }
    const client = this.identify(req);
    if (client === undefined || client === null || client === '') {
      metrics.rejected.inc();
      throw this.refusal('IDEMPOTENCY_CLIENT_UNKNOWN', HttpStatus.UNAUTHORIZED, 'idempotency keys are scoped to a client, and this request has none', ex);
    }
    const id = recordId(String(client), parsed.key);
    const fingerprint = requestFingerprint(ex.method, ex.url, req.body);
    const token = randomBytes(16).toString('base64url');
    let begun;
    try {
      begun = await this.idempotency.begin(id, fingerprint, token, plan.inProgressTtl);
    } catch (error) {
      // The claim may have been made with its reply lost on the way: free it if it is ours.
      this.idempotency.release(id, token).catch(() => undefined);
      return this.unavailable(error, ex, next);
    }
    switch (begun.state) {
      case 'mismatch':
        metrics.mismatch.inc();
        throw this.refusal('IDEMPOTENCY_KEY_MISMATCH', HttpStatus.UNPROCESSABLE_ENTITY, 'this key was used for another request (method, path or body differ)', ex);
      case 'busy':
        metrics.in_progress.inc();
        ex.setResponseHeader('retry-after', String(Math.max(1, Math.min(Math.ceil(begun.retryAfterMs / 1000), 5))));
        throw this.refusal('IDEMPOTENCY_KEY_IN_USE', HttpStatus.CONFLICT, 'a request with this key is still being processed; retry later', ex);
      case 'done':
        return this.replay(begun.response, ex);
      default:
        metrics.executed.inc();
        return this.run(plan, ex, next, id, token);
    }
  }

  /** Who made the request, the scope of its keys. Override to read your own auth; the default is `idempotency.identify`. */
  protected identify(request: any): string | number | undefined | null {
    return this.idempotency.settings.identify(request);
  }

  private async run(plan: RoutePlan, ex: HttpExchange, next: CallHandler, id: string, token: string): Promise<Observable<unknown>> {
    let value: unknown;
    try {
      value = await lastValueFrom(next.handle(), { defaultValue: NONE });
    } catch (error) {
      await this.idempotency.release(id, token).catch((e: Error) => this.logger.warn(`key not released after a failed request (it frees itself when its in-progress marker expires): ${e.message}`));
      throw error;
    }
    const stored = storedResponseOf(value === NONE ? undefined : value, plan.status ?? ex.status(), ex, this.idempotency.settings);
    try {
      // Stored before the response is sent: a retry that follows it finds it.
      if (!(await this.idempotency.complete(id, token, JSON.stringify(stored), plan.ttl))) {
        this.logger.warn(`a response was not stored: its request ran longer than its in-progress TTL (${plan.inProgressTtl} ms), so its key was free again`);
      }
    } catch (e) {
      // The change is made: failing its response would invite a retry. Counted and logged.
      this.logger.warn(`a response was not stored (its key frees itself when its in-progress marker expires): ${(e as Error).message}`);
    }
    return value === NONE ? of(undefined) : of(value);
  }

  private replay(text: string, ex: HttpExchange): Observable<unknown> {
    const metrics = this.idempotency.metrics.requests;
    const stored: IdempotentResponse | undefined = readIdempotentResponse(text, this.idempotency.settings.maxBodySize);
    if (!stored || stored.u) {
      metrics.not_replayable.inc();
      throw this.refusal('IDEMPOTENCY_NOT_REPLAYABLE', HttpStatus.CONFLICT, 'a request with this key was processed, but its response cannot be replayed', ex);
    }
    metrics.replayed.inc();
    ex.setStatus(stored.s);
    if (stored.h) for (const [name, value] of stored.h) ex.setResponseHeader(name, value);
    if (stored.t) ex.setResponseHeader('content-type', stored.t);
    ex.setResponseHeader(REPLAYED_HEADER, 'true');
    const bytes = Buffer.from(stored.b ?? '', stored.bin ? 'base64' : 'utf8');
    // Already serialized: a Buffer Fastify sends as it is; on Express a string (res.send) or, for binary, a StreamableFile.
    if (ex.fastify) return of(bytes);
    return of(stored.bin ? new StreamableFile(bytes) : stored.b);
  }

  private unavailable(error: unknown, ex: HttpExchange, next: CallHandler): Observable<unknown> {
    const metrics = this.idempotency.metrics.requests;
    if (this.idempotency.settings.failure === 'open') {
      metrics.unprotected.inc();
      return next.handle();
    }
    metrics.unavailable.inc();
    this.logger.warn(`idempotency unavailable, request refused (failure: 'closed'): ${(error as Error).message}`);
    ex.setResponseHeader('retry-after', '1');
    throw this.refusal('IDEMPOTENCY_UNAVAILABLE', HttpStatus.SERVICE_UNAVAILABLE, 'idempotency is temporarily unavailable; retry with the same key', ex);
  }

  private refusal(code: RediskitErrorCode, status: HttpStatus, message: string, ex: HttpExchange): IdempotencyException {
    const docs = this.idempotency.settings.docsUrl;
    if (docs) ex.setResponseHeader('link', `<${docs}>; rel="describedby"`);
    return new IdempotencyException(code, status, message, docs);
  }

  private planOf(context: ExecutionContext): RoutePlan {
    const handler = context.getHandler();
    let plan = this.plans.get(handler);
    if (!plan) {
      const cls = context.getClass();
      const route: IdempotentOptions = { ...Reflect.getMetadata(IDEMPOTENT_KEY, cls), ...Reflect.getMetadata(IDEMPOTENT_KEY, handler) };
      const s = this.idempotency.settings;
      const method = String(context.switchToHttp().getRequest().method);
      const code = Reflect.getMetadata('__httpCode__', handler) as number | undefined;
      plan = {
        ttl: route.ttl === undefined ? s.ttl : toPositiveMs(route.ttl, 'ttl'),
        inProgressTtl: route.inProgressTtl === undefined ? s.inProgressTtl : toPositiveMs(route.inProgressTtl, 'inProgressTtl'),
        required: route.required ?? s.required,
        status: code ?? (method === 'POST' ? 201 : method === 'GET' || method === 'PUT' || method === 'PATCH' || method === 'DELETE' ? 200 : undefined),
      };
      this.plans.set(handler, plan);
    }
    return plan;
  }
}
