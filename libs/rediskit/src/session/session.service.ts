import { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RediskitConflictError } from '../errors.js';
import { Keyspace } from '../keyspace/keyspace.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs, type Duration } from '../options/duration.js';
import { checkFactor, checkPatch, checkSessionId, mergePatch, userIdOf } from './session.arguments.js';
import { sessionDestroyScript } from './session-destroy.lua.js';
import { sessionUpdateScript } from './session-update.lua.js';
import { sessionVerifyScript } from './session-verify.lua.js';
import { validateSessionData } from './session.data-validator.js';
import { SessionEvents } from './session.events.js';
import { SessionKeys } from './session.keys.js';
import { SessionMetrics } from './session.metrics.js';
import type { SessionOptions } from './session.options.js';
import { SessionReader } from './session.reader.js';
import { SessionIssuer } from './session.issuer.js';
import { SessionUserIndex } from './session.user-index.js';
import { wellFormed } from './session.backend.js';
import type { RequestLike } from './session.request.js';
import { SessionHttp } from './session.http.js';
import { FallbackCookies } from './session.fallback-cookie.js';
import { resolveSessionSettings, type SessionSettings } from './session.settings.js';
import { bucketOf, hashToken, sessionBucket } from './session.token.js';
import type { CreatedSession, CreateSessionOptions, Session, SessionClient, SessionEvent, SessionInfo } from './session.types.js';
import type { Tracing } from '../tracing/tracing.js';
import { SessionTracing } from './session.tracing.js';

// Lost compare-and-set races are retried after a short random pause, so racers spread out.
const MAX_UPDATE_ATTEMPTS = 16;

/** What a {@link SessionService} is built from outside Nest (inside Nest the module provides it). */
export interface SessionServiceDeps {
  keyspace?: Keyspace;
  codec?: Codec;
  metrics?: MetricsService;
  events?: SessionEvents;
  /** Spans of read, create and rotate (none when absent). */
  tracing?: Tracing;
}

/**
 * Server-side sessions in Redis, done to OWASP's session-management rules: 256-bit random
 * tokens of which Redis keeps only the SHA-256, idle and absolute timeouts, token rotation,
 * a per-user limit that evicts the oldest session, "log out everywhere", step-up state, and an
 * audit trail of events. Every write is one Lua script on one cluster slot (the user's); a
 * read that writes nothing is one HMGET.
 *
 * Failure policy: methods throw when Redis is unreachable (`RediskitCircuitOpenError` while the
 * circuit is open); the {@link SessionGuard} turns that into 503, never into a pass.
 *
 * @example
 * const { token } = await sessions.create(user.id, { role: 'admin' }, sessions.clientOf(req));
 * sessions.setCookie(res, token);
 * // later
 * const session = await sessions.get(token);      // null when unknown, expired or malformed
 * await sessions.destroyAllForUser(user.id);      // password changed: log out everywhere
 */
export class SessionService {
  /** The options with defaults applied (durations in ms). */
  readonly settings: SessionSettings;
  /** The audit events of this process. */
  readonly events: SessionEvents;
  private readonly keys: SessionKeys;
  private readonly codec: Codec;
  private readonly metrics: SessionMetrics;
  private readonly traces: SessionTracing;
  /** Time budget of each Redis call (`session.commandTimeout`, else the connection's). */
  private readonly budget: number;
  /** @internal The signed fallback cookies of degraded sign-in, when `session.degraded` is enabled. */
  readonly fallback?: FallbackCookies;
  private readonly http: SessionHttp;
  private readonly reader: SessionReader;
  private readonly userIndex: SessionUserIndex;
  private readonly issuer: SessionIssuer;

  constructor(
    private readonly connection: RedisConnection,
    options: SessionOptions = {},
    deps: SessionServiceDeps = {},
  ) {
    this.settings = resolveSessionSettings(options);
    this.keys = new SessionKeys((deps.keyspace ?? new Keyspace()).scope('session'));
    this.codec = deps.codec ?? new Codec();
    this.metrics = new SessionMetrics(deps.metrics);
    this.traces = new SessionTracing(deps.tracing);
    this.events = deps.events ?? new SessionEvents(options.onEvent);
    this.budget = toPositiveMs(options.commandTimeout ?? connection.commandTimeout, 'session.commandTimeout');
    if (this.settings.degraded) this.fallback = new FallbackCookies(this.settings, this.settings.degraded);
    this.http = new SessionHttp(this.settings, this.fallback);
    const backend = { connection, keys: this.keys, codec: this.codec, metrics: this.metrics, budget: this.budget };
    this.reader = new SessionReader(backend, this.settings.touchInterval);
    this.userIndex = new SessionUserIndex(backend);
    this.issuer = new SessionIssuer(backend, this.settings, (event) => this.emit(event));
  }

  /**
   * Logs a user in: a new session and its token. When the user already has `maxPerUser`
   * sessions, the oldest are evicted in the same atomic step (`evicted` events).
   * Call it after authentication, and hand the token to the client once (cookie or body).
   */
  create<T = Record<string, unknown>>(userId: string | number, data?: T, options: CreateSessionOptions = {}): Promise<CreatedSession<T>> {
    return this.traces.create(() => this.issuer.create(userId, data, options));
  }

  /** The live session of `token`, or null (unknown, expired, malformed: no Redis call for the last). Does not extend it. */
  get<T = Record<string, unknown>>(token: string): Promise<Session<T> | null> {
    return this.traces.read(false, () => this.reader.read<T>(token, false));
  }

  /**
   * Reads the session and slides its idle timeout, in one round trip: at most one Redis write
   * per `touchInterval`, never past the absolute deadline, never reviving an expired session.
   * This is what {@link SessionGuard} calls on every request.
   */
  touch<T = Record<string, unknown>>(token: string): Promise<Session<T> | null> {
    return this.traces.read(true, () => this.reader.read<T>(token, true));
  }

  /**
   * Changes the session's data: `patch` is merged into it (objects), or a function returns the
   * new data. Concurrent updates never lose each other's change (compare-and-set, retried).
   * Returns the updated session, or null when it is gone.
   */
  async update<T = Record<string, unknown>>(token: string, patch: Partial<T> | ((data: T) => T)): Promise<Session<T> | null> {
    checkPatch(patch);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const session = await this.get<T>(token);
      if (!session) return null;
      const data = typeof patch === 'function' ? patch(session.data) : mergePatch(session.data, patch);
      validateSessionData(this.settings.dataClass, data, 'patch');
      const key = this.keys.session(bucketOf(token), session.id);
      const revision = await this.connection.script<number>(sessionUpdateScript, [key], [session.revision, this.codec.encode(data, key)], this.budget);
      if (revision === -1) return null;
      if (revision > 0) return { ...session, data, revision };
      await new Promise((resolve) => setTimeout(resolve, Math.random() * (attempt + 1) * 2));
    }
    throw new RediskitConflictError(`session update lost ${MAX_UPDATE_ATTEMPTS} races in a row; try again`);
  }

  /**
   * Replaces the token of a session (call it on login and on every privilege change, against
   * session fixation): the old token stops working at once. Data, creation time and absolute
   * deadline carry over. Returns null when the session is gone.
   */
  rotate<T = Record<string, unknown>>(token: string): Promise<CreatedSession<T> | null> {
    return this.traces.rotate(() => this.issuer.rotate<T>(token));
  }

  /** Logs out: deletes the session of `token`. True when there was one. */
  async destroy(token: string): Promise<boolean> {
    if (!this.wellFormed(token)) return false;
    return this.destroyKey(this.keys.session(bucketOf(token), hashToken(token)), hashToken(token), '', 'logout');
  }

  /**
   * Deletes one session of `userId` by its public id (from `listForUser`): "sign out that
   * device". A session of another user is left alone. True when there was one.
   */
  async destroyById(userId: string | number, sessionId: string): Promise<boolean> {
    const uid = userIdOf(userId);
    checkSessionId(sessionId);
    return this.destroyKey(this.keys.session(sessionBucket(uid), sessionId), sessionId, uid, 'revoked');
  }

  /** Logs a user out everywhere (password change, account lock) through the user's index, without SCAN. Returns how many sessions ended. */
  async destroyAllForUser(userId: string | number): Promise<number> {
    const uid = userIdOf(userId);
    const [now, ...ids] = await this.userIndex.destroyAll(uid);
    if (ids.length > 0) this.metrics.ended.inc({ reason: 'logout_all' }, ids.length);
    for (const id of ids) this.emit({ type: 'destroyed', userId: uid, sessionId: id, at: now, reason: 'logout-all' });
    return ids.length;
  }

  /** The user's live sessions, oldest first: device, IP, user agent, created and last-active times. */
  async listForUser(userId: string | number): Promise<SessionInfo[]> {
    return this.userIndex.list(userIdOf(userId));
  }

  /**
   * Records a step-up verification (`'webauthn'`, `'biometric'`, `'otp'`...) on the session,
   * valid for `ttl` and never past the session's absolute deadline. False when the session is gone.
   */
  async markVerified(token: string, factor: string, ttl: Duration): Promise<boolean> {
    checkFactor(factor);
    const ms = toPositiveMs(ttl, 'ttl');
    if (!this.wellFormed(token)) return false;
    const until = await this.connection.script<number>(sessionVerifyScript, [this.keys.session(bucketOf(token), hashToken(token))], [factor, ms], this.budget);
    return until > 0;
  }

  /** True when the session of `token` holds a verification of `factor` that has not expired (Redis' clock). */
  async isVerified(token: string, factor: string): Promise<boolean> {
    checkFactor(factor);
    const session = await this.reader.read(token, false, true); // judged by Redis' TIME, not an estimate
    return !!session && isVerifiedAt(session, factor);
  }

  /**
   * Index hygiene: drops index entries of sessions that expired on their own and sets the
   * `session_active` gauge. Run it now and then (every few minutes); nothing depends on it for
   * correctness, since every other call skips and prunes stale entries itself. Uses SCAN.
   */
  cleanup(): Promise<{ indexes: number; removed: number; active: number }> {
    return this.userIndex.prune();
  }

  /**
   * The session token a request carries, unchecked: the session cookie or the bearer header, in
   * `session.tokenSources` order (what `SessionGuard` reads). `undefined` when it carries none.
   * Costs no Redis call: other capabilities use it to tell credentialed requests apart.
   *
   * @example
   * if (sessions.tokenOf(req)) res.setHeader('Cache-Control', 'private, no-store');
   */
  tokenOf(request: RequestLike & { cookies?: Record<string, string | undefined> }): string | undefined {
    return this.http.tokenOf(request);
  }

  /** IP, user agent and device fingerprint of a request, for `create`. */
  clientOf(request: RequestLike): SessionClient {
    return this.http.clientOf(request);
  }

  /** Sets the session cookie (configured name and attributes) on an Express, Fastify or node response. */
  setCookie(response: unknown, token: string, session?: Pick<Session, 'absoluteExpiresAt'>): void {
    this.http.setCookie(response, token, session);
  }

  /**
   * Deletes the session cookie in the browser (and the fallback cookie of degraded sign-in: a
   * copy kept elsewhere stays valid until it expires, see `session.degraded`).
   */
  clearCookie(response: unknown): void {
    this.http.clearCookie(response);
  }

  /** Emits an audit event (used by the guard for `rejected`). */
  emit(event: SessionEvent): void {
    this.events.emit(event);
  }

  /** @internal the guard counts its decisions here. */
  get guardMetric(): SessionMetrics['guard'] {
    return this.metrics.guard;
  }

  private async destroyKey(key: string, id: string, userId: string, reason: 'logout' | 'revoked'): Promise<boolean> {
    const reply = await this.connection.script<[string, number] | null>(sessionDestroyScript, [key], [id, userId], this.budget);
    if (!reply) return false;
    this.metrics.ended.inc({ reason });
    this.emit({ type: 'destroyed', userId: reply[0], sessionId: id, at: reply[1], reason });
    return true;
  }

  private wellFormed(token: string): boolean {
    return wellFormed(token, this.metrics);
  }
}

/**
 * True when `session` holds an unexpired verification of `factor` at its read time (no Redis call).
 *
 * @example
 * if (!isVerifiedAt(session, 'webauthn')) throw new ForbiddenException('Confirm with your security key');
 */
export function isVerifiedAt(session: Pick<Session, 'verified' | 'readAt'>, factor: string): boolean {
  return (session.verified[factor] ?? 0) > session.readAt;
}
