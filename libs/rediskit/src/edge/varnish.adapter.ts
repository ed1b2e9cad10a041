import type { EdgePurgeAdapter } from './edge.adapter.js';
import type { VarnishEdgeOptions } from './edge.options.js';
import { sendPurge } from './purge-request.js';

/** Tags per Varnish purge request by default: keeps the header well under `http_req_hdr_len` (8 KiB). */
export const VARNISH_MAX_TAGS = 100;

// Tags arrive as headerTag encodes them: no space, quote, backslash, bracket, brace, `|`, `?` or
// `^`. The regex characters left are put in a class, so the ban needs no escapes or quoting.
const REGEX_SPECIAL = /[$.*+()]/g;

/**
 * Varnish in front of the app, with deploy/varnish/default.vcl (or your VCL doing the same):
 * - `xkey` mode: `PURGE /` with the tags in an `xkey` header, which the VCL hands to
 *   `xkey.purge()` (varnish-modules): every object indexed under one of them goes at once.
 * - `ban` mode, for a Varnish without the xkey module: `BAN /` with `x-ban-pattern`, a regex
 *   matching the tags as whole words of the object's `xkey` header (the VCL copies
 *   `Surrogate-Key` there), which the VCL passes to `ban()`.
 * Purge-all is a `BAN /` with `x-ban-all: 1`. Each request goes to every server; `headers` are
 * added to each (e.g. a shared secret your VCL checks).
 */
export function varnishAdapter(o: VarnishEdgeOptions): EdgePurgeAdapter {
  const servers = (Array.isArray(o.servers) ? o.servers : [o.servers]).map((s) => `${s.replace(/\/+$/, '')}/`);
  const secrets = Object.values(o.headers ?? {});
  const toAll = async (method: string, headers: Record<string, string>, signal: AbortSignal) => {
    await Promise.all(servers.map((url) => sendPurge('varnish', url, { method, headers: { ...o.headers, ...headers }, signal }, secrets)));
  };
  return {
    name: 'varnish',
    maxTagsPerRequest: o.maxTagsPerRequest ?? VARNISH_MAX_TAGS,
    purgeTags: (tags, signal) => (o.mode === 'ban' ? toAll('BAN', { 'x-ban-pattern': banPattern(tags) }, signal) : toAll('PURGE', { xkey: tags.join(' ') }, signal)),
    purgeAll: (signal) => toAll('BAN', { 'x-ban-all': '1' }, signal),
  };
}

/** A regex matching any of `tags` (encoded by `headerTag`) as a whole space- or comma-separated word. */
export function banPattern(tags: string[]): string {
  return `(^|[[:space:],])(${tags.map((t) => t.replace(REGEX_SPECIAL, '[$&]')).join('|')})([[:space:],]|$)`;
}
