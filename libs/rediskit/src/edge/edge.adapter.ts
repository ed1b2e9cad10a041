/**
 * One CDN's purge API, as the edge purger uses it: purge a batch of tags (at most
 * `maxTagsPerRequest`), or everything. A call resolves when the CDN accepted the purge and
 * rejects otherwise; an `EdgePurgeHttpError` with a 429 or 5xx status (or a network error) is
 * retried with backoff, any other error is final. Write your own for another CDN and pass it as
 * `edge.adapter`.
 *
 * @example
 * const bunny: EdgePurgeAdapter = {
 *   name: 'bunny', maxTagsPerRequest: 1,
 *   purgeTags: ([tag], signal) => sendPurge(`https://api.bunny.net/pullzone/${id}/purgeCache`, { method: 'POST', body: JSON.stringify({ CacheTag: tag }), headers: { AccessKey: key, 'content-type': 'application/json' }, signal }, [key]),
 *   purgeAll: (signal) => sendPurge(`https://api.bunny.net/pullzone/${id}/purgeCache`, { method: 'POST', headers: { AccessKey: key }, signal }, [key]),
 * };
 */
export interface EdgePurgeAdapter {
  /** A short name, the `provider` label of the edge metrics (`varnish`, `fastly`...). */
  readonly name: string;
  /** Tags one `purgeTags` call may carry. */
  readonly maxTagsPerRequest: number;
  /** Purges every object carrying one of `tags` (as the `Surrogate-Key` / `Cache-Tag` headers carry them). */
  purgeTags(tags: string[], signal: AbortSignal): Promise<void>;
  /** Purges everything this adapter's service, zone or servers cache. */
  purgeAll(signal: AbortSignal): Promise<void>;
}
