import { redisSpanAttributes } from '../tracing/span-attributes.js';
import type { TraceAttributes, TraceSpan, Tracing } from '../tracing/tracing.js';
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

// The start attributes of a namespace's reads never change: built once, not on every hit.
const startAttributes = new WeakMap<NamespaceRef, Record<'get' | 'getOrSet', TraceAttributes>>();

function attributesOf(ns: NamespaceRef, operation: 'get' | 'getOrSet'): TraceAttributes {
  let byOperation = startAttributes.get(ns);
  if (byOperation === undefined) {
    const of = (op: string) => Object.freeze(redisSpanAttributes(`cache.${op}`, { 'rediskit.cache.namespace': ns.name }));
    startAttributes.set(ns, (byOperation = { get: of('get'), getOrSet: of('getOrSet') }));
  }
  return byOperation[operation];
}

/** Runs a cache read in a span `rediskit.cache.<operation>` with its namespace. */
export function tracedRead<T>(tracing: Tracing, operation: 'get' | 'getOrSet', ns: NamespaceRef, run: (span: TraceSpan | undefined) => Promise<T>): Promise<T> {
  return tracing.trace(operation === 'get' ? 'rediskit.cache.get' : 'rediskit.cache.getOrSet', 'client', attributesOf(ns, operation), run);
}
