import { randomBytes } from 'node:crypto';
import { redisOptionsFromEnv, sessionOf, type RedisModuleOptions } from 'nestjs-rediskit';

/** Everything the demo reads from the environment (the README's demo table). */
export interface DemoConfig {
  /** HTTP port (PORT, default 3000). */
  port: number;
  /** A PostgreSQL server (DATABASE_URL); unset: embedded PostgreSQL (PGlite). */
  databaseUrl?: string;
  /** Where PGlite keeps its files (DEMO_DB_DIR); unset: in memory, gone on exit. */
  dbDir?: string;
  /** Marks the session cookie `Secure` (COOKIE_SECURE=true behind HTTPS). */
  cookieSecure: boolean;
  /** A few drivers move around Berlin so /drivers/nearby has answers (DEMO_SIMULATE_DRIVERS; default on, off when NODE_ENV=test). */
  simulateDrivers: boolean;
  /** Express `trust proxy` (TRUST_PROXY: `true`, a hop count, or addresses/presets like `loopback`); decides client IPs for rate limits. */
  trustProxy: boolean | number | string;
  /** The module options, from the REDIS_* variables. */
  redis: RedisModuleOptions;
}

type Env = Record<string, string | undefined>;

/** Reads the demo's configuration; throws one error listing every malformed variable. */
export function loadDemoConfig(env: Env = process.env): DemoConfig {
  const problems: string[] = [];
  const port = env.PORT ? Number(env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT: must be a port number, got "${env.PORT}"`);
  if (env.DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
  if (problems.length > 0) throw new Error(`Invalid demo configuration:\n  - ${problems.join('\n  - ')}`);
  const redis = redisOptionsFromEnv(env);
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dbDir: env.DEMO_DB_DIR || undefined,
    cookieSecure: flag(env.COOKIE_SECURE, false),
    simulateDrivers: flag(env.DEMO_SIMULATE_DRIVERS, env.NODE_ENV !== 'test'),
    trustProxy: trustProxy(env.TRUST_PROXY),
    redis: {
      ...redis,
      keyspace: { ...redis.keyspace, app: 'shop' },
      // Every request runs in a request context, so every log line carries its request id
      // (the request cache would turn it on anyway: ProductsRepository uses it).
      requestContext: true,
      // Redis tells memory what changed (key tracking): a product edited by another service or
      // redis-cli is not served from memory afterwards; tags still travel on the bus.
      cache: { ...redis.cache, l1: { coherence: 'tracking' } },
      // The demo serves plain http on localhost: the cookie is Secure only when told so.
      session: {
        ...redis.session,
        cookie: { secure: flag(env.COOKIE_SECURE, false), sameSite: 'lax' },
        // Signed-in users keep reading while Redis is down (checkout and account changes refuse).
        // Several instances need one key (SESSION_FALLBACK_KEY); without it each makes its own.
        degraded: { enabled: true, signingKey: env.SESSION_FALLBACK_KEY || randomBytes(32).toString('base64url'), ttl: '5m' },
      },
      // `key: 'user'` rate limits count per logged-in user (the SessionGuard runs first).
      rateLimit: { user: (req: unknown) => sessionOf(req)?.userId },
      // A product edit (CatalogService.update) invalidates the product on every instance.
      invalidation: { ...redis.invalidation, rules: [{ on: 'product.updated', tags: (e: { id: number }) => ['products', `product:${e.id}`] }] },
    },
  };
}

function trustProxy(raw: string | undefined): boolean | number | string {
  if (!raw) return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

function flag(raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(raw.toLowerCase());
}

/** Injection token of the {@link DemoConfig}. */
export const DEMO_CONFIG = Symbol('DEMO_CONFIG');
