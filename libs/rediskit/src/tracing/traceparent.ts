/** The parts of a W3C trace context that a message carries (structurally an OpenTelemetry `SpanContext`). */
export interface RemoteSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote: true;
}

/** Length of a version-00 `traceparent`; anything longer is refused before it is parsed. */
export const TRACEPARENT_LENGTH = 55;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** `00-<trace id>-<span id>-<flags>` (W3C Trace Context, version 00). */
export function formatTraceparent(traceId: string, spanId: string, traceFlags: number): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Reads a `traceparent` received from elsewhere (untrusted): only an exact version-00 value
 * with non-zero ids is accepted, anything else (other types, longer strings, upper case,
 * other versions) gives `undefined`. Only the sampled flag is kept.
 */
export function parseTraceparent(value: unknown): RemoteSpanContext | undefined {
  if (typeof value !== 'string' || value.length !== TRACEPARENT_LENGTH) return undefined;
  const match = TRACEPARENT.exec(value);
  if (match === null || match[1] === ZERO_TRACE || match[2] === ZERO_SPAN) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16) & 1, isRemote: true };
}
