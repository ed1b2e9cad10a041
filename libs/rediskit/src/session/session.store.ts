import type { INestApplicationContext } from '@nestjs/common';
import expressSession, { type SessionData } from 'express-session';
import { RedisRegistry } from '../connection/redis.registry.js';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { scanKeys } from '../connection/scan.js';
import { SessionStoreUnavailableError } from '../errors.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { toMs } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import type { SessionStoreOptions } from './session.options.js';
import { resolveSessionStoreSettings } from './session.settings.js';

type Callback<T = unknown> = (error?: unknown, value?: T) => void;

const GLOB = /[*?[\]\\]/g;

/**
 * An express-session store on rediskit's connection (circuit breaker, cluster, Sentinel). For
 * the same calls it does what connect-redis does: one key per session (`SET … PX`), the TTL
 * from the cookie's `expires` or `ttl`, `touch` resets the TTL, `all`/`ids`/`length`/`clear`
 * SCAN the prefix (every master of a cluster), callbacks optional (promises returned too).
 * Differences: durations are ms or `'1d'` like everywhere in rediskit (connect-redis: seconds),
 * and failed Redis calls reject with {@link SessionStoreUnavailableError} (HTTP 503).
 *
 * It lives on the subpath `nestjs-rediskit/express-session`, so apps without express-session
 * never load it.
 *
 * @example
 * import { RediskitSessionStore } from 'nestjs-rediskit/express-session';
 * const app = await NestFactory.create(AppModule);
 * app.use(session({ store: RediskitSessionStore.fromApp(app), secret, resave: false, saveUninitialized: false }));
 */
export class RediskitSessionStore extends expressSession.Store {
  // connect-redis' public fields, so code written against it keeps working.
  /** The ioredis client the store writes with. */
  readonly client: RedisClient;
  /** Raw key prefix (with the default keyspace prefix, session ids are encoded after it). */
  readonly prefix: string;
  readonly scanCount: number;
  readonly serializer: NonNullable<SessionStoreOptions['serializer']>;
  /** Lifetime without a cookie `expires`: ms, `'1d'` or a function (connect-redis: seconds). */
  readonly ttl: NonNullable<SessionStoreOptions['ttl']>;
  readonly disableTouch: boolean;
  readonly disableTTL: boolean;
  private readonly encodeIds: boolean;

  constructor(
    private readonly connection: RedisConnection,
    options: SessionStoreOptions = {},
    private readonly keyspace: Keyspace = new Keyspace(),
  ) {
    super();
    this.client = connection.client;
    this.encodeIds = options.prefix === undefined;
    this.prefix = options.prefix ?? keyspace.key('sess') + keyspace.separator;
    this.serializer = options.serializer ?? JSON;
    ({ scanCount: this.scanCount, ttl: this.ttl, disableTouch: this.disableTouch, disableTTL: this.disableTTL } = resolveSessionStoreSettings(options));
  }

  /**
   * The store on the app's `RedisModule`: its `session.connection` (default connection), the
   * `session.store` options and the module's keyspace.
   */
  static fromApp(app: INestApplicationContext): RediskitSessionStore {
    const options = app.get<RedisModuleOptions>(REDIS_MODULE_OPTIONS);
    return new RediskitSessionStore(app.get(RedisRegistry).get(options.session?.connection), options.session?.store, app.get(Keyspace));
  }

  override async get(sid: string, callback?: Callback<SessionData | null>): Promise<SessionData | null> {
    let text: string | null;
    try {
      text = await this.redis((c) => c.get(this.key(sid)));
    } catch (error) {
      return done(callback, error, null);
    }
    let value: SessionData | null = null;
    try {
      value = text ? (this.serializer.parse(text) as SessionData) : null;
    } catch (error) {
      return done(callback, error, null);
    }
    return done(callback, undefined, value);
  }

  override async set(sid: string, session: SessionData, callback?: Callback): Promise<void> {
    let ttl: number;
    try {
      ttl = this.ttlOf(session);
    } catch (error) {
      return done(callback, error, undefined);
    }
    // An expiry in the past, or an invalid one (`new Date(NaN)`), deletes the session, as
    // connect-redis does; express-session then reports the invalid cookie option itself.
    if (!(ttl > 0)) return this.destroy(sid, callback);
    try {
      const text = this.serializer.stringify(session);
      const key = this.key(sid);
      await this.redis((c) => (this.disableTTL ? c.set(key, text) : c.set(key, text, 'PX', Math.ceil(ttl))));
    } catch (error) {
      return done(callback, error, undefined);
    }
    return done(callback, undefined, undefined);
  }

  override async touch(sid: string, session: SessionData, callback?: Callback): Promise<void> {
    if (this.disableTouch || this.disableTTL) return done(callback, undefined, undefined);
    let ttl: number;
    try {
      ttl = this.ttlOf(session);
    } catch (error) {
      return done(callback, error, undefined);
    }
    if (!(ttl > 0)) return this.destroy(sid, callback);
    try {
      // PEXPIRE on a missing key does nothing: a touch never revives a session.
      await this.redis((c) => c.pexpire(this.key(sid), Math.ceil(ttl)));
    } catch (error) {
      return done(callback, error, undefined);
    }
    return done(callback, undefined, undefined);
  }

  override async destroy(sid: string, callback?: Callback): Promise<void> {
    try {
      await this.redis((c) => c.del(this.key(sid)));
    } catch (error) {
      return done(callback, error, undefined);
    }
    return done(callback, undefined, undefined);
  }

  override async clear(callback?: Callback): Promise<void> {
    try {
      const keys = await this.keys();
      // One DEL per key: on a cluster the keys live on many slots (auto-pipelined together).
      await this.redis((c) => Promise.all(keys.map((k) => c.del(k))));
    } catch (error) {
      return done(callback, error, undefined);
    }
    return done(callback, undefined, undefined);
  }

  override async length(callback?: Callback<number>): Promise<number> {
    try {
      return done(callback, undefined, (await this.keys()).length);
    } catch (error) {
      return done(callback, error, 0);
    }
  }

  /** Every session id (as connect-redis' `ids`). */
  async ids(callback?: Callback<string[]>): Promise<string[]> {
    try {
      return done(callback, undefined, (await this.keys()).map((k) => this.idOf(k)));
    } catch (error) {
      return done(callback, error, []);
    }
  }

  override async all(callback?: Callback<SessionData[]>): Promise<SessionData[]> {
    let sessions: SessionData[];
    try {
      const keys = await this.keys();
      const texts = await this.redis((c) => Promise.all(keys.map((k) => c.get(k))));
      sessions = [];
      texts.forEach((text, i) => {
        if (!text) return; // expired between SCAN and GET
        const session = this.serializer.parse(text) as SessionData & { id: string };
        session.id = this.idOf(keys[i]);
        sessions.push(session);
      });
    } catch (error) {
      return done(callback, error, []);
    }
    return done(callback, undefined, sessions);
  }

  private key(sid: string): string {
    return this.encodeIds ? this.keyspace.key('sess', sid) : this.prefix + sid;
  }

  private idOf(key: string): string {
    const raw = key.slice(this.prefix.length);
    return this.encodeIds ? decodeURIComponent(raw) : raw;
  }

  private async keys(): Promise<string[]> {
    const found = new Set<string>();
    for await (const batch of scanKeys(this.connection, this.prefix.replace(GLOB, '\\$&') + '*', this.scanCount)) {
      for (const key of batch) found.add(key);
    }
    return [...found];
  }

  private ttlOf(session: SessionData): number {
    if (typeof this.ttl === 'function') return toMs(this.ttl(session), 'store.ttl');
    const expires = session?.cookie?.expires;
    if (expires) return new Date(expires).getTime() - Date.now();
    return toMs(this.ttl, 'store.ttl');
  }

  private async redis<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await this.connection.run(fn);
    } catch (error) {
      throw new SessionStoreUnavailableError(error);
    }
  }
}

// As connect-redis: with a callback, report through it; without one, throw or return.
function done<T>(callback: Callback<T> | undefined, error: unknown, value: T): T {
  if (callback) {
    callback(error ?? null, error ? undefined : value);
    return value;
  }
  if (error) throw error;
  return value;
}
