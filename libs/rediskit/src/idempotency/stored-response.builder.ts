import { bodySize, serializeBody, type HttpExchange } from '../http-cache/index.js';
import type { IdempotentResponse } from './idempotency.response.js';
import type { IdempotencySettings } from './idempotency.settings.js';

/**
 * What is stored for a handler's value: its status, Content-Type, the allowlisted headers and
 * the body serialized the way the adapter will send it. A value that is not a plain body (a
 * stream, a file), a body over `maxBodySize`, or a response the handler wrote itself (`@Res()`)
 * is stored as not replayable: a retry is told so rather than running the handler again.
 */
export function storedResponseOf(value: unknown, status: number, ex: HttpExchange, s: Pick<IdempotencySettings, 'maxBodySize' | 'storeHeaders'>): IdempotentResponse {
  if (ex.sent()) return { s: status, u: 1 };
  const contentType = ex.getResponseHeader('content-type');
  const body = serializeBody(value, typeof contentType === 'string' ? contentType : undefined, ex.fastify);
  if (!body || bodySize(body) > s.maxBodySize) return { s: status, u: 1 };
  const stored: IdempotentResponse = { s: status, b: body.text ?? body.bytes!.toString('base64') };
  if (body.bytes) stored.bin = 1;
  if (body.contentType) stored.t = body.contentType;
  for (const name of s.storeHeaders) {
    const v = ex.getResponseHeader(name);
    if (v === undefined || v === null) continue;
    (stored.h ??= []).push([name, Array.isArray(v) ? v.map(String) : String(v)]);
  }
  return stored;
}
