import type { Cluster } from 'ioredis';
import { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { scanKeys } from '../connection/scan.js';
import { RediskitArgumentError, RediskitConflictError } from '../errors.js';
import { assertWellFormed, Keyspace } from '../keyspace/keyspace.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs, type Duration } from '../options/duration.js';
import { appendSetCookie, readCookie, serializeCookie } from './session.cookie.js';
import { sessionCreateScript } from './session-create.lua.js';
import { sessionDestroyAllScript } from './session-destroy-all.lua.js';
import { sessionDestroyScript } from './session-destroy.lua.js';
import { sessionListScript } from './session-list.lua.js';
import { sessionPruneScript } from './session-prune.lua.js';
import { sessionReadScript } from './session-read.lua.js';
import { sessionRotateScript } from './session-rotate.lua.js';
import { sessionUpdateScript } from './session-update.lua.js';
import { sessionVerifyScript } from './session-verify.lua.js';
import { validateSessionData } from './session.data-validator.js';
import { SessionEvents } from './session.events.js';
import { SessionKeys } from './session.keys.js';
import { SessionMetrics } from './session.metrics.js';
import type { SessionOptions } from './session.options.js';
import { clientFields, LAST_ACTIVE, parseInfo, parseSession, SESSION_FIELDS } from './session.record.js';
import { bearerToken, clientOf, type RequestLike } from './session.request.js';
import { FallbackCookies } from './session.fallback-cookie.js';
import { resolveSessionOptions, type SessionSettings } from './session.settings.js';
import { bucketOf, generateToken, hashToken, isWellFormedToken, sessionBucket } from './session.token.js';
import type { CreatedSession, CreateSessionOptions, Session, SessionClient, SessionEvent, SessionInfo } from './session.types.js';
import type { Tracing } from '../tracing/tracing.js';
import { SessionTracing } from './session.tracing.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const FACTOR = /^[A-Za-z0-9_.-]{1,64}$/;
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
  // A cluster that reads from replicas could serve a session just revoked on its master: then
  // every read goes through the script, which runs on the master.
  private readonly plainReads: boolean;
  /** Time budget of each Redis call (`session.commandTimeout`, else the connection's). */
  private readonly budget: number;
  /** @internal The signed fallback cookies of degraded sign-in, when `session.degraded` is enabled. */
  readonly fallback?: FallbackCookies;

  constructor(
    private readonly connection: RedisConnection,
    options: SessionOptions = {},
    deps: SessionServiceDeps = {},
  ) {
    this.settings = resolveSessionOptions(options);
    this.keys = new SessionKeys((deps.keyspace ?? new Keyspace()).scope('session'));
    this.codec = deps.codec ?? new Codec();
    this.metrics = new SessionMetrics(deps.metrics);
    this.traces = new SessionTracing(deps.tracing);
    this.events = deps.events ?? new SessionEvents(options.onEvent);
    const scaleReads = connection.isCluster ? (connection.client as Cluster).options.scaleReads : undefined;
    this.plainReads = scaleReads === undefined || scaleReads === 'master';
    this.budget = toPositiveMs(options.commandTimeout ?? connection.commandTimeout, 'session.commandTimeout');
    if (this.settings.degraded) this.fallback = new FallbackCookies(this.settings, this.settings.degraded);
  }

  /**
   * Logs a user in: a new session and its token. When the user already has `maxPerUser`
   * sessions, the oldest are evicted in the same atomic step (`evicted` events).
   * Call it after authentication, and hand the token to the client once (cookie or body).
   */
  create<T = Record<string, unknown>>(userId: string | number, data?: T, options: CreateSessionOptions = {}): Promise<CreatedSession<T>> {
    return this.traces.create(() => this.open(userId, data, options));
  }

  private async open<T>(userId: string | number, data: T | undefined, options: CreateSessionOptions): Promise<CreatedSession<T>> {
    const uid = userIdOf(userId);
    const idle = options.ttl === undefined ? this.settings.ttl : toPositiveMs(options.ttl, 'ttl');
    const value = (data === undefined ? {} : data) as T;
    validateSessionData(this.settings.dataClass, value);
    const client = clientFields(options);
    const bucket = sessionBucket(uid);
    const token = generateToken(bucket);
    const id = hashToken(token);
    const key = this.keys.session(bucket, id);
    const reply = await this.connection.script<[number, ...string[]]>(
      sessionCreateScript,
      [this.keys.index(uid), key],
      [this.keys.sessionPrefix(bucket), id, this.settings.maxPerUser, idle, this.settings.absoluteTimeout, uid, this.codec.encode(value, key), ...client],
      this.budget,
    );
    const [now, ...evicted] = reply;
    this.connection.clock.observe(now);
    const absoluteExpiresAt = now + this.settings.absoluteTimeout;
    const session: Session<T> = {
      id,
      userId: uid,
      data: value,
      createdAt: now,
      lastActiveAt: now,
      expiresAt: Math.min(now + idle, absoluteExpiresAt),
      absoluteExpiresAt,
      ...clientInfo(options),
      verified: {},
      readAt: now,
      revision: 1,
    };
    this.metrics.created.inc();
    for (const evictedId of evicted) {
      this.metrics.ended.inc({ reason: 'evicted' });
      this.emit({ type: 'evicted', userId: uid, sessionId: evictedId, at: now, reason: 'max-sessions' });
    }
    this.emit({ type: 'created', userId: uid, sessionId: id, at: now, client: clientInfo(options) });
    return { token, session };
  }

  /** The live session of `token`, or null (unknown, expired, malformed: no Redis call for the last). Does not extend it. */
  get<T = Record<string, unknown>>(token: string): Promise<Session<T> | null> {
    return this.traces.read(false, () => this.read<T>(token, false));
  }

  /**
   * Reads the session and slides its idle timeout, in one round trip: at most one Redis write
   * per `touchInterval`, never past the absolute deadline, never reviving an expired session.
   * This is what {@link SessionGuard} calls on every request.
   */
  touch<T = Record<string, unknown>>(token: string): Promise<Session<T> | null> {
    return this.traces.read(true, () => this.read<T>(token, true));
  }

  /**
   * Changes the session's data: `patch` is merged into it (objects), or a function returns the
   * new data. Concurrent updates never lose each other's change (compare-and-set, retried).
   * Returns the updated session, or null when it is gone.
   */
  async update<T = Record<string, unknown>>(token: string, patch: Partial<T> | ((data: T) => T)): Promise<Session<T> | null> {
    if (patch === null || (typeof patch !== 'object' && typeof patch !== 'function')) {
      throw new RediskitArgumentError('patch', 'must be an object or a function of the current data');
    }
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const session = await this.get<T>(token);
      if (!session) return null;
      const data = typeof patch === 'function' ? patch(session.data) : merge(session.data, patch);
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
    return this.traces.rotate(() => this.replaceToken<T>(token));
  }

  private async replaceToken<T>(token: string): Promise<CreatedSession<T> | null> {
    if (!this.wellFormed(token)) return null;
    const bucket = bucketOf(token);
    const oldId = hashToken(token);
    const next = generateToken(bucket);
    const id = hashToken(next);
    const key = this.keys.session(bucket, id);
    const reply = await this.connection.scriptBuffer<[number, ...(Buffer | null)[]] | null>(sessionRotateScript, [this.keys.session(bucket, oldId), key], [oldId, id], this.budget);
    if (!reply) return null;
    const [now, ...fields] = reply;
    this.connection.clock.observe(now);
    const session = parseSession<T>(id, fields, now, this.codec, key);
    this.metrics.rotated.inc();
    this.emit({ type: 'rotated', userId: session.userId, sessionId: id, previousSessionId: oldId, at: now });
    return { token: next, session };
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
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) throw new RediskitArgumentError('sessionId', 'must be a session id from listForUser');
    return this.destroyKey(this.keys.session(sessionBucket(uid), sessionId), sessionId, uid, 'revoked');
  }

  /** Logs a user out everywhere (password change, account lock) through the user's index, without SCAN. Returns how many sessions ended. */
  async destroyAllForUser(userId: string | number): Promise<number> {
    const uid = userIdOf(userId);
    const [now, ...ids] = await this.connection.script<[number, ...string[]]>(sessionDestroyAllScript, [this.keys.index(uid)], [this.keys.sessionPrefix(sessionBucket(uid))], this.budget);
    if (ids.length > 0) this.metrics.ended.inc({ reason: 'logout_all' }, ids.length);
    for (const id of ids) this.emit({ type: 'destroyed', userId: uid, sessionId: id, at: now, reason: 'logout-all' });
    return ids.length;
  }

  /** The user's live sessions, oldest first: device, IP, user agent, created and last-active times. */
  async listForUser(userId: string | number): Promise<SessionInfo[]> {
    const uid = userIdOf(userId);
    const entries = await this.connection.script<string[][]>(sessionListScript, [this.keys.index(uid)], [this.keys.sessionPrefix(sessionBucket(uid))], this.budget);
    return entries.map((entry) => parseInfo(uid, entry));
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
    const session = await this.read(token, false, true); // judged by Redis' TIME, not an estimate
    return !!session && isVerifiedAt(session, factor);
  }

  /**
   * Index hygiene: drops index entries of sessions that expired on their own and sets the
   * `session_active` gauge. Run it now and then (every few minutes); nothing depends on it for
   * correctness, since every other call skips and prunes stale entries itself. Uses SCAN.
   */
  async cleanup(): Promise<{ indexes: number; removed: number; active: number }> {
    let indexes = 0;
    let removed = 0;
    let active = 0;
    for await (const batch of scanKeys(this.connection, this.keys.indexPattern())) {
      const results = await Promise.all(
        batch.map((index) => {
          const bucket = /\{([^}]*)\}/.exec(index)?.[1] ?? '';
          return this.connection.script<[number, number]>(sessionPruneScript, [index], [this.keys.sessionPrefix(bucket)], this.budget);
        }),
      );
      for (const [gone, left] of results) {
        indexes++;
        removed += gone;
        active += left;
      }
    }
    this.metrics.active.set({}, active);
    return { indexes, removed, active };
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
    const { cookie, tokenSources } = this.settings;
    for (const source of tokenSources) {
      const token = source === 'cookie' ? (request.cookies?.[cookie.name] ?? readCookie(request.headers.cookie, cookie.name)) : bearerToken(request);
      if (token) return token;
    }
    return undefined;
  }

  /** IP, user agent and device fingerprint of a request, for `create`. */
  clientOf(request: RequestLike): SessionClient {
    return clientOf(request, this.settings.fingerprintHeaders);
  }

  /** Sets the session cookie (configured name and attributes) on an Express, Fastify or node response. */
  setCookie(response: unknown, token: string, session?: Pick<Session, 'absoluteExpiresAt'>): void {
    const { cookie } = this.settings;
    appendSetCookie(response, serializeCookie(cookie, token, cookie.persistent && session ? session.absoluteExpiresAt : undefined));
  }

  /**
   * Deletes the session cookie in the browser (and the fallback cookie of degraded sign-in: a
   * copy kept elsewhere stays valid until it expires, see `session.degraded`).
   */
  clearCookie(response: unknown): void {
    appendSetCookie(response, serializeCookie(this.settings.cookie, '', 0));
    if (this.fallback) appendSetCookie(response, this.fallback.clear());
  }

  /** Emits an audit event (used by the guard for `rejected`). */
  emit(event: SessionEvent): void {
    this.events.emit(event);
  }

  /** @internal the guard counts its decisions here. */
  get guardMetric(): SessionMetrics['guard'] {
    return this.metrics.guard;
  }

  // Most requests need no write: a plain HMGET (a tenth of a script's cost in Redis) serves
  // them. When the idle timeout is due for extension, or Redis' clock was not read lately, the read
  // script decides and writes with Redis' TIME, atomically.
  private async read<T>(token: string, touch: boolean, exact = false): Promise<Session<T> | null> {
    if (!this.wellFormed(token)) return null;
    const id = hashToken(token);
    const key = this.keys.session(bucketOf(token), id);
    if (this.plainReads && this.connection.clock.fresh && !exact) {
      const fields = await this.connection.run((client) => client.hmgetBuffer(key, ...SESSION_FIELDS), this.budget);
      if (fields[0] === null) {
        this.metrics.misses.inc();
        return null;
      }
      const now = this.connection.clock.now();
      if (!touch || now - Number(fields[LAST_ACTIVE]) < this.settings.touchInterval) {
        this.metrics.hits.inc();
        return parseSession<T>(id, fields, now, this.codec, key);
      }
    }
    const reply = await this.connection.scriptBuffer<[number, number, ...(Buffer | null)[]] | null>(sessionReadScript, [key], [touch ? '1' : '0', this.settings.touchInterval, id], this.budget);
    if (!reply) {
      this.metrics.misses.inc();
      return null;
    }
    const [now, touched, ...fields] = reply;
    this.connection.clock.observe(now);
    this.metrics.hits.inc();
    if (touched === 1) this.metrics.touchWrites.inc();
    return parseSession<T>(id, fields, now, this.codec, key);
  }

  private async destroyKey(key: string, id: string, userId: string, reason: 'logout' | 'revoked'): Promise<boolean> {
    const reply = await this.connection.script<[string, number] | null>(sessionDestroyScript, [key], [id, userId], this.budget);
    if (!reply) return false;
    this.metrics.ended.inc({ reason });
    this.emit({ type: 'destroyed', userId: reply[0], sessionId: id, at: reply[1], reason });
    return true;
  }

  private wellFormed(token: string): boolean {
    if (isWellFormedToken(token)) return true;
    this.metrics.malformed.inc();
    return false;
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

function userIdOf(userId: string | number): string {
  const uid = typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : userId;
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 256) {
    throw new RediskitArgumentError('userId', `must be a non-empty string (at most 256 characters) or a number, got ${JSON.stringify(userId)}`);
  }
  assertWellFormed(uid, 'userId');
  return uid;
}

function checkFactor(factor: string): void {
  if (typeof factor !== 'string' || !FACTOR.test(factor)) {
    throw new RediskitArgumentError('factor', `must be 1-64 characters of letters, digits, '_', '-' or '.', got ${JSON.stringify(factor)}`);
  }
}

function clientInfo(client: SessionClient): SessionClient {
  const fields = clientFields(client);
  const names: Record<string, keyof SessionClient> = { dev: 'device', ip: 'ip', ua: 'userAgent', fp: 'fingerprint' };
  const out: SessionClient = {};
  for (let i = 0; i < fields.length; i += 2) out[names[fields[i]]] = fields[i + 1];
  return out;
}

function merge<T>(data: T, patch: Partial<T>): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Array.isArray(patch)) {
    throw new RediskitArgumentError('patch', 'can only be merged into object data; pass a function to replace other data');
  }
  return { ...data, ...patch };
}
