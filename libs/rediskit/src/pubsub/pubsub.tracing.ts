import { parseTraceparent } from '../tracing/traceparent.js';
import type { TraceAttributes, Tracing } from '../tracing/tracing.js';
import type { ChannelKind } from './pubsub.channels.js';
import type { Envelope } from './pubsub.envelope.js';

// OpenTelemetry messaging conventions; the destination is the application's channel name,
// never a user id (user channels are named by their kind only).
function messaging(operation: 'publish' | 'receive', kind: ChannelKind, channel: string): TraceAttributes {
  const attributes: TraceAttributes = {
    'messaging.system': 'redis',
    'messaging.operation.type': operation === 'publish' ? 'send' : 'process',
    'messaging.operation.name': operation,
    'rediskit.pubsub.kind': kind,
  };
  if (kind !== 'user') attributes['messaging.destination.name'] = kind === 'broadcast' ? 'broadcast' : channel;
  return attributes;
}

/**
 * Runs a publish in a span `rediskit.pubsub.publish` (kind producer); `send` gets the
 * `traceparent` to put in the envelope (undefined when propagation is off or nothing records).
 */
export function tracedPublish<T>(tracing: Tracing, kind: ChannelKind, channel: string, send: (traceparent: string | undefined) => Promise<T>): Promise<T> {
  return tracing.trace('rediskit.pubsub.publish', 'producer', messaging('publish', kind, channel), () => send(tracing.traceparent()));
}

/**
 * Runs a message's handlers in a span `rediskit.pubsub.receive` (kind consumer), a child of the
 * publisher's span when the envelope carries a well-formed `traceparent` and propagation is on
 * (anything else in that field is ignored: it comes from whoever could publish). The span ends
 * when every handler has settled.
 */
export function tracedReceive(tracing: Tracing, kind: ChannelKind, channel: string, envelope: Envelope, run: () => Promise<unknown>[]): void {
  const parent = tracing.propagate ? parseTraceparent(envelope.traceparent) : undefined;
  void tracing.trace('rediskit.pubsub.receive', 'consumer', messaging('receive', kind, channel), (span) => {
    const handled = run();
    span?.setAttribute('rediskit.pubsub.handlers', handled.length);
    return Promise.allSettled(handled);
  }, parent);
}
