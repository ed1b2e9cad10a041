import type { Duration } from '../options/duration.js';
import type { EdgePurgeAdapter } from './edge.adapter.js';

/**
 * Varnish servers to purge (deploy/varnish/default.vcl shows the VCL they need).
 *
 * @example
 * edge: { varnish: { servers: ['http://varnish-1:6081', 'http://varnish-2:6081'] } }
 */
export interface VarnishEdgeOptions {
  /** Base URL of each Varnish (its HTTP listen address); every purge goes to each. */
  servers: string | string[];
  /** `xkey`: PURGE with the xkey module (varnish-modules); `ban`: BAN by regex, for a Varnish without it. @default `'xkey'` */
  mode?: 'xkey' | 'ban';
  /** Headers added to every purge, e.g. a secret your VCL checks; their values are redacted from errors and logs. @default none */
  headers?: Record<string, string>;
  /** Tags per request (1 to 1000). @default 100 */
  maxTagsPerRequest?: number;
}

/**
 * A Fastly service, purged by surrogate key.
 *
 * @example
 * edge: { fastly: { serviceId: process.env.FASTLY_SERVICE_ID, apiKey: process.env.FASTLY_API_TOKEN } }
 */
export interface FastlyEdgeOptions {
  /** The service's id. */
  serviceId: string;
  /** An API token with the `purge_select` scope (`purge_all` too for purge-all); sent as `Fastly-Key`, never logged. */
  apiKey: string;
  /** Mark objects stale instead of removing them (they may then serve stale-while-revalidate). @default false */
  softPurge?: boolean;
  /** The API's base URL. @default `'https://api.fastly.com'` */
  endpoint?: string;
  /** Surrogate keys per request (1 to 256, Fastly's limit). @default 256 */
  maxKeysPerRequest?: number;
}

/**
 * A Cloudflare zone, purged by cache-tag.
 *
 * @example
 * edge: { cloudflare: { zoneId: process.env.CF_ZONE_ID, apiToken: process.env.CF_PURGE_TOKEN } }
 */
export interface CloudflareEdgeOptions {
  /** The zone's id. */
  zoneId: string;
  /** An API token with the zone's Cache Purge permission; sent as `Authorization: Bearer`, never logged. */
  apiToken: string;
  /** The API's base URL. @default `'https://api.cloudflare.com/client/v4'` */
  endpoint?: string;
  /** Cache-tags per request (1 to 500): 100 on every plan, Enterprise may go to 500. @default 100 */
  maxTagsPerRequest?: number;
}

/** What purges the edge. */
export interface EdgePurgeTriggers {
  /** Every tag invalidation made through this instance (`CacheService`, the HTTP cache, `@InvalidateTags`, `@CacheEvict`) purges the same tags. @default true */
  invalidateTags?: boolean;
  /** `clear()` of these cache namespaces purges everything at the edge; `true`: any namespace, `false`: none. @default the HTTP cache's namespace (`httpCache.namespace`, `'http'`) */
  clear?: boolean | string[];
}

/** Retries of a purge the CDN refused with 429 or 5xx, or did not answer. */
export interface EdgeRetryOptions {
  /** Tries per batch, the first included (1 to 20); then its tags are counted as failed. @default 5 */
  attempts?: number;
  /** Delay before the first retry; doubles each time, with full jitter. @default `'250ms'` */
  minDelay?: Duration;
  /** Longest wait between tries, `Retry-After` included (a CDN asking for more is retried after this). @default `'30s'` */
  maxDelay?: Duration;
}

/**
 * The `edge` section: purge a CDN or Varnish (L3) when the cache invalidates. Give exactly one
 * of `varnish`, `fastly`, `cloudflare` or `adapter`. Purges are batched per tick, deduplicated,
 * retried, and bounded by `maxQueue`. See docs/edge.md.
 *
 * @example
 * RedisModule.forRoot({ connection, edge: { fastly: { serviceId, apiKey }, maxQueue: 5000 } })
 */
export interface EdgeOptions {
  /** Purge Varnish servers. @default none */
  varnish?: VarnishEdgeOptions;
  /** Purge a Fastly service. @default none */
  fastly?: FastlyEdgeOptions;
  /** Purge a Cloudflare zone. @default none */
  cloudflare?: CloudflareEdgeOptions;
  /** Your own adapter for another CDN. @default none */
  adapter?: EdgePurgeAdapter;
  /** What purges the edge. @default tag invalidations, and `clear()` of the HTTP cache's namespace */
  purgeOn?: EdgePurgeTriggers;
  /** Tags waiting to be purged at most (1 to 1 000 000); beyond, new ones are dropped and counted (the CDN is down or slower than the app). @default 10000 */
  maxQueue?: number;
  /** Retries with backoff and jitter. @default 5 tries, 250 ms doubling to 30 s */
  retry?: EdgeRetryOptions;
  /** Time budget of one purge request. @default `'10s'` */
  timeout?: Duration;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Purges a CDN or Varnish (L3) when the cache invalidates (`EdgePurgeService`). */
    edge?: EdgeOptions;
  }
}
