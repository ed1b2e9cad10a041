import { RediskitEdgePurgeError } from '../errors.js';
import type { EdgePurgeAdapter } from './edge.adapter.js';
import type { CloudflareEdgeOptions } from './edge.options.js';
import { sendPurge } from './purge-request.js';

/**
 * Cache-tags one Cloudflare purge call may carry by default: 100 on every plan (Cloudflare's
 * purge limits, 2026; the 30 of older documentation no longer applies). Enterprise zones may
 * raise `maxTagsPerRequest` to 500.
 */
export const CLOUDFLARE_MAX_TAGS = 100;
export const CLOUDFLARE_MAX_TAGS_ENTERPRISE = 500;

/**
 * Cloudflare's purge by cache-tag: `POST /zones/{zone}/purge_cache` with `{ "tags": [...] }`
 * and the API token as `Authorization: Bearer` (a token with the Cache Purge permission);
 * `{ "purge_everything": true }` for everything. A 200 whose body says `success: false` is a
 * failure too.
 */
export function cloudflareAdapter(o: CloudflareEdgeOptions): EdgePurgeAdapter {
  const url = `${(o.endpoint ?? 'https://api.cloudflare.com/client/v4').replace(/\/+$/, '')}/zones/${encodeURIComponent(o.zoneId)}/purge_cache`;
  const purge = async (body: object, signal: AbortSignal) => {
    const init = { method: 'POST', headers: { authorization: `Bearer ${o.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal };
    const answer = await sendPurge('cloudflare', url, init, [o.apiToken]);
    let success: unknown = true;
    try {
      success = (JSON.parse(answer) as { success?: unknown }).success;
    } catch {
      // Not JSON: the 2xx status decides.
    }
    if (success === false) throw new RediskitEdgePurgeError('cloudflare', `POST ${url} answered success: false`, 200);
  };
  return {
    name: 'cloudflare',
    maxTagsPerRequest: o.maxTagsPerRequest ?? CLOUDFLARE_MAX_TAGS,
    purgeTags: (tags, signal) => purge({ tags }, signal),
    purgeAll: (signal) => purge({ purge_everything: true }, signal),
  };
}
