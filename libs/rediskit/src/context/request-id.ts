import { randomUUID } from 'node:crypto';

/** The header a request id is read from and echoed in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest request id accepted from a client; a longer one is replaced by a generated id. */
export const MAX_REQUEST_ID_LENGTH = 128;

// Letters, digits and a few separators: an id goes into log lines and a response header, so it
// can never carry a newline, a quote or a control character.
const SAFE_ID = new RegExp(`^[A-Za-z0-9._:@/+=-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

/**
 * The request id to use for an incoming header value: the client's when it is well-formed
 * (one value, at most {@link MAX_REQUEST_ID_LENGTH} characters of a safe charset), a fresh
 * UUID otherwise.
 */
export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && SAFE_ID.test(header) ? header : randomUUID();
}
