import { createHash } from 'node:crypto';
import { stableStringify } from '../cache/index.js';

/**
 * The fingerprint of a request: method, path and query, and a hash of its body. A retry must
 * send the same three; the same key with another fingerprint is a 422. The body is the one the
 * framework parsed: raw bytes or text as they are, parsed JSON or forms canonically (key order
 * does not matter, as it does not for the handler). A body that cannot be written canonically
 * is hashed as JSON.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  const hash = createHash('sha256').update(`${method} ${url}\n`);
  if (body === undefined || body === null) hash.update('-');
  else if (Buffer.isBuffer(body) || typeof body === 'string') hash.update(typeof body === 'string' ? 's' : 'b').update(body);
  else {
    let text: string;
    try {
      text = stableStringify(body);
    } catch {
      text = JSON.stringify(body) ?? String(body);
    }
    hash.update('j').update(text);
  }
  return hash.digest('base64url');
}
