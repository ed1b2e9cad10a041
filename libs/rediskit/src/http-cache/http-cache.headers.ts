import { TagVersions } from '../cache/index.js';

/** `Cache-Control` of a cached response. Durations in ms; directives in whole seconds. */
export function cacheControl(isPrivate: boolean, maxAge: number, sMaxAge: number, staleWhileRevalidate: number): string {
  let value = isPrivate ? `private, max-age=${secs(maxAge)}` : `public, max-age=${secs(maxAge)}, s-maxage=${secs(sMaxAge)}`;
  if (staleWhileRevalidate > 0) value += `, stale-while-revalidate=${secs(staleWhileRevalidate)}`;
  return value;
}

/** Whole seconds, rounded down (`Age`, `max-age`). */
export function secs(ms: number): number {
  return ms <= 0 ? 0 : Math.floor(ms / 1000);
}

// What a surrogate key may hold as it is; anything else (spaces, commas, quotes, non-ASCII) is
// percent-encoded, so the list separators stay unambiguous for the CDN.
const UNSAFE_TAG = /[^A-Za-z0-9:._~/@+=!$&'()*-]/g;

/** A tag as the `Surrogate-Key` / `Cache-Tag` headers and the `onInvalidate` hook carry it. */
export function headerTag(tag: string): string {
  return tag.replace(UNSAFE_TAG, (ch) => encodeURIComponent(ch));
}

/**
 * The tags a response advertises to a CDN: every tag with its parent tags (`user:1:posts` →
 * `user`, `user:1`, `user:1:posts`), as the server cache invalidates them, so purging `user`
 * at the CDN reaches the same responses as `invalidateTags(['user'])` on the server.
 */
export function advertisedTags(tags: readonly string[]): string[] {
  return TagVersions.expand(tags).map(headerTag);
}

/** Tags whose `{name}` placeholders are replaced by route parameters; a tag naming a missing parameter is left out. */
export function fillTags(tags: readonly string[], params: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    if (!tag.includes('{')) {
      out.push(tag);
      continue;
    }
    let missing = false;
    const filled = tag.replace(/\{([^{}]+)\}/g, (_, name: string) => {
      const v = params?.[name];
      if (v === undefined || v === '') missing = true;
      return v ?? '';
    });
    if (!missing) out.push(filled);
  }
  return out;
}

/** True for a tag template naming the handler's result (`'product:{result.id}'`). */
export function namesResult(tag: string): boolean {
  return /\{result(?:\.[^{}]*)?\}/.test(tag);
}

/**
 * Tags naming the handler's result, filled from it (`{result}`, `{result.owner.id}`) and from
 * the route parameters (`{id}`); a tag whose value is missing, empty or not a string, number,
 * bigint or boolean is left out, as `fillTags` leaves out a tag naming a missing parameter.
 *
 * @example
 * fillResultTags(['product:{result.id}'], {}, { id: 7 })   // ['product:7']
 */
export function fillResultTags(tags: readonly string[], params: Record<string, string> | undefined, result: unknown): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    let missing = false;
    const filled = tag.replace(/\{([^{}]+)\}/g, (_, name: string) => {
      let v: unknown;
      if (name === 'result' || name.startsWith('result.')) {
        v = result;
        for (const prop of name.split('.').slice(1)) v = v !== null && typeof v === 'object' && Object.hasOwn(v, prop) ? (v as Record<string, unknown>)[prop] : undefined;
      } else v = params?.[name];
      if (!['string', 'number', 'bigint', 'boolean'].includes(typeof v) || v === '') {
        missing = true;
        return '';
      }
      return String(v);
    });
    if (!missing) out.push(filled);
  }
  return out;
}

/** `Vary` with `names` added to what is already there (case-insensitive, no duplicates). */
export function mergeVary(current: unknown, names: readonly string[]): string {
  const list = typeof current === 'string' && current ? current.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const seen = new Set(list.map((s) => s.toLowerCase()));
  for (const n of names) if (!seen.has(n.toLowerCase())) (list.push(n), seen.add(n.toLowerCase()));
  return list.join(', ');
}

/** True when a request's `Cache-Control` or `Pragma` asks to skip caches. */
export function clientNoCache(cacheControlHeader: string | undefined, pragma: string | undefined): boolean {
  if (cacheControlHeader && /(?:^|,)\s*(?:no-cache|no-store|max-age=0)\s*(?:,|$)/i.test(cacheControlHeader)) return true;
  return !cacheControlHeader && !!pragma && /no-cache/i.test(pragma);
}
