import type { HttpCacheService } from './http-cache.service.js';
import { storedResponseProblem } from './stored-response.validation.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/**
 * Checks what is read from the cache before it is served: a value that is not a response this
 * app could have stored (shape, sizes, status, header names and values) is read as a miss,
 * counted and logged once per route. Each object is checked once: the memory layer hands out
 * one shared object per entry, and entries this instance built are known good.
 */
export class StoredResponseChecker {
  private readonly checked = new WeakSet<object>();
  // Routes whose rejected entries were logged: once each, then only counted.
  private readonly warned = new Set<string>();
  private readonly logger = new RediskitLogger('ResponseCache');

  constructor(private readonly httpCache: HttpCacheService) {}

  /** True when a value read from the cache may be served. */
  acceptable(entry: unknown, route: string): boolean {
    const problem = this.problemOf(entry);
    if (problem === undefined) return true;
    this.httpCache.metrics.rejectedEntry(route);
    if (!this.warned.has(route)) {
      this.warned.add(route);
      this.logger.warn(`a stored response of ${route} failed validation (${problem}): read as a miss and replaced; further ones are counted in http_cache_rejected_entries_total`);
    }
    return false;
  }

  /**
   * True when a value read from the cache may be served, like {@link acceptable}, but a failure
   * is neither counted nor logged: the caller then takes the path that checks it again and does.
   */
  passes(entry: unknown): boolean {
    return this.problemOf(entry) === undefined;
  }

  // What is wrong with an entry, undefined when nothing is (remembered: each stored object is checked once).
  private problemOf(entry: unknown): string | undefined {
    if (this.checked.has(entry as object)) return undefined;
    const problem = storedResponseProblem(entry, this.httpCache.limits);
    if (problem === undefined) this.checked.add(entry as object);
    return problem;
  }

  /** Marks an entry this instance built and checked, so serving it costs no second check. */
  vouch(entry: object): void {
    this.checked.add(entry);
  }
}
