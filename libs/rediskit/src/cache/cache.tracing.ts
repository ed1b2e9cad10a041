import { redisSpanAttributes } from '../tracing/span-attributes.js';
import type { TraceSpan, Tracing } from '../tracing/tracing.js';
import type { NamespaceRef } from './found.js';

/** Where a read was answered: memory, Redis, the loader (or nothing), a stale value served. */
export type CacheHitLayer = 'l1' | 'l2' | 'miss' | 'stale';

/** Span attribute: the layer that answered (`CacheHitLayer`). */
export const CACHE_LAYER = 'rediskit.cache.layer';

/** What a get-or-set flight found, told to every caller that shares the flight. */
export interface FlightOutcome {
  layer: CacheHitLayer;
}

/** Records the layer on the span, if one records. */
export function answeredBy(span: TraceSpan | undefined, layer: CacheHitLayer): void {
  span?.setAttribute(CACHE_LAYER, layer);
}

/** Runs a cache read in a span `rediskit.cache.<operation>` with its namespace. */
export function tracedRead<T>(tracing: Tracing, operation: 'get' | 'getOrSet', ns: NamespaceRef, run: (span: TraceSpan | undefined) => Promise<T>): Promise<T> {
  return tracing.trace(`rediskit.cache.${operation}`, 'client', redisSpanAttributes(`cache.${operation}`, { 'rediskit.cache.namespace': ns.name }), run);
}
