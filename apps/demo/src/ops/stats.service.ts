import { Injectable } from '@nestjs/common';
import { CacheService, MetricsService, SessionService } from 'nestjs-rediskit';

interface MetricJson {
  name: string;
  values: { value: number; labels: Record<string, string | number> }[];
}

/** The numbers the page at `/` shows. */
export interface DemoStats {
  cache: { hits: number; misses: number; hitRatio: number | null };
  sessions: { active: number };
  rateLimit: { blocked: number };
  notifications: { published: number };
  uptimeSeconds: number;
}

/** Session counting scans Redis: at most once per this interval, however often the page polls. */
const SESSION_COUNT_INTERVAL_MS = 2000;

/**
 * Live numbers from the library itself: `CacheService.stats()` (both layers, every
 * namespace, response cache included), `SessionService.cleanup()` (live sessions) and the
 * Prometheus counters of rate limiting and pub/sub — what an operator's dashboard would show.
 */
@Injectable()
export class StatsService {
  private readonly started = Date.now();
  private sessionCount: { at: number; active: Promise<number> } | undefined;

  constructor(
    private readonly metrics: MetricsService,
    private readonly cache: CacheService,
    private readonly sessions: SessionService,
  ) {}

  async snapshot(): Promise<DemoStats> {
    const all = ((await this.metrics.registry?.getMetricsAsJSON()) ?? []) as MetricJson[];
    const sum = (suffix: string, filter: (labels: Record<string, string | number>) => boolean = () => true) =>
      all
        .filter((m) => m.name.endsWith(suffix))
        .flatMap((m) => m.values)
        .filter((v) => filter(v.labels))
        .reduce((total, v) => total + v.value, 0);
    // A lookup misses L1, then hits or misses L2: hits of both layers against L2 misses.
    const c = this.cache.stats();
    const hits = c.l1Hits + c.l2Hits;
    const misses = c.l2Misses;
    return {
      cache: { hits, misses, hitRatio: hits + misses > 0 ? hits / (hits + misses) : null },
      sessions: { active: await this.activeSessions() },
      rateLimit: { blocked: sum('rate_limit_decisions_total', (l) => l.result === 'blocked') },
      notifications: { published: sum('pubsub_published_total') },
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
    };
  }

  /** Live sessions of every user (prunes expired index entries on the way; SCAN, never KEYS). */
  private activeSessions(): Promise<number> {
    if (!this.sessionCount || Date.now() - this.sessionCount.at > SESSION_COUNT_INTERVAL_MS) {
      const active = this.sessions.cleanup().then((r) => r.active);
      active.catch(() => (this.sessionCount = undefined));
      this.sessionCount = { at: Date.now(), active };
    }
    return this.sessionCount.active;
  }
}
