import { RediskitEdgePurgeError } from '../errors.js';

/** Longest part of a CDN's error answer kept in the error message. */
const MAX_DETAIL = 200;

/**
 * Sends one purge request with the global `fetch` and resolves with the answer's body when the
 * status is 2xx. Anything else rejects with a {@link RediskitEdgePurgeError} carrying the status
 * and `Retry-After`; every occurrence of a `secrets` value in its message (the answer's body, a
 * network error) is replaced by `[redacted]`, so API tokens never reach errors, logs or metrics.
 *
 * @example
 * await sendPurge('fastly', `${endpoint}/service/${id}/purge_all`, { method: 'POST', headers: { 'Fastly-Key': key }, signal }, [key]);
 */
export async function sendPurge(provider: string, url: string, init: RequestInit, secrets: readonly string[]): Promise<string> {
  const redact = (text: string) => secrets.reduce((t, s) => (s ? t.split(s).join('[redacted]') : t), text);
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'error' });
  } catch (e) {
    const error = e as Error & { cause?: { code?: string; message?: string } };
    const reason = init.signal?.aborted ? 'no answer in time' : (error.cause?.code ?? error.cause?.message ?? error.message);
    throw new RediskitEdgePurgeError(provider, redact(`${init.method ?? 'GET'} ${redact(url)}: ${reason}`));
  }
  const body = await response.text().catch(() => '');
  if (response.ok) return body;
  const detail = body.replace(/\s+/g, ' ').trim().slice(0, MAX_DETAIL);
  const message = `${init.method ?? 'GET'} ${url} answered ${response.status}${detail ? `: ${detail}` : ''}`;
  throw new RediskitEdgePurgeError(provider, redact(message), response.status, retryAfterMs(response.headers.get('retry-after')));
}

/** `Retry-After` in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
