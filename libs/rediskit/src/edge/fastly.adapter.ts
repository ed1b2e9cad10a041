import type { EdgePurgeAdapter } from './edge.adapter.js';
import type { FastlyEdgeOptions } from './edge.options.js';
import { sendPurge } from './purge-request.js';

/** Fastly accepts at most this many surrogate keys in one purge request. */
export const FASTLY_MAX_KEYS = 256;

/**
 * Fastly's surrogate-key purge: `POST /service/{id}/purge` with the keys as JSON
 * (`{ "surrogate_keys": [...] }`, at most 256; a body, not the `Surrogate-Key` header, so long
 * tags never hit a header size limit) and the API token in `Fastly-Key`; `purge_all` for everything.
 * `softPurge` marks objects stale instead of removing them (`Fastly-Soft-Purge: 1`).
 */
export function fastlyAdapter(o: FastlyEdgeOptions): EdgePurgeAdapter {
  const base = `${(o.endpoint ?? 'https://api.fastly.com').replace(/\/+$/, '')}/service/${encodeURIComponent(o.serviceId)}`;
  const headers = (extra: Record<string, string> = {}) => ({
    'fastly-key': o.apiKey,
    accept: 'application/json',
    ...(o.softPurge && { 'fastly-soft-purge': '1' }),
    ...extra,
  });
  return {
    name: 'fastly',
    maxTagsPerRequest: o.maxKeysPerRequest ?? FASTLY_MAX_KEYS,
    async purgeTags(tags, signal) {
      const init = { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify({ surrogate_keys: tags }), signal };
      await sendPurge('fastly', `${base}/purge`, init, [o.apiKey]);
    },
    async purgeAll(signal) {
      await sendPurge('fastly', `${base}/purge_all`, { method: 'POST', headers: headers(), signal }, [o.apiKey]);
    },
  };
}
