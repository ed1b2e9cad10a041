/**
 * A response as the idempotency layer stores it (JSON in the record): status, Content-Type,
 * the allowlisted headers and the body as it was sent — or `u: 1` for a response that could
 * not be stored (too large, a stream, written by the handler itself), which a retry is told
 * about instead of running the handler again.
 */
export interface IdempotentResponse {
  /** Status code. */
  s: number;
  t?: string;
  h?: [string, string | string[]][];
  /** The body: UTF-8 text, or base64 when `bin` is set. */
  b?: string;
  bin?: 1;
  /** Not replayable. */
  u?: 1;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const isHeaderValue = (v: unknown) => typeof v === 'string' && v.length <= 8192 && HEADER_VALUE.test(v);

/**
 * The stored response in a record, or undefined when it is not one this app could have
 * stored (Redis content is untrusted: bounded size, known fields, header names and values
 * that cannot split a response).
 */
export function readIdempotentResponse(text: unknown, maxBodySize: number): IdempotentResponse | undefined {
  // base64 grows a body by 4/3; headers and the rest fit in the 64 KiB added.
  if (typeof text !== 'string' || text.length > Math.ceil(maxBodySize / 3) * 4 + 65536) return undefined;
  let r: IdempotentResponse;
  try {
    r = JSON.parse(text) as IdempotentResponse;
  } catch {
    return undefined;
  }
  if (r === null || typeof r !== 'object' || !Number.isInteger(r.s) || r.s < 200 || r.s > 599) return undefined;
  if (r.u === 1) return { s: r.s, u: 1 };
  if (typeof r.b !== 'string' || (r.bin !== undefined && r.bin !== 1)) return undefined;
  if (r.t !== undefined && !isHeaderValue(r.t)) return undefined;
  if (r.h !== undefined) {
    if (!Array.isArray(r.h) || r.h.length > 32) return undefined;
    for (const pair of r.h) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !HEADER_NAME.test(pair[0])) return undefined;
      const value = pair[1];
      if (Array.isArray(value) ? !value.every(isHeaderValue) : !isHeaderValue(value)) return undefined;
    }
  }
  return r;
}
