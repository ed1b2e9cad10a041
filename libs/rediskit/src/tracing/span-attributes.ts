import type { TraceAttributes } from './tracing.js';

/**
 * Attributes of a span of a Redis-backed operation, after the OpenTelemetry semantic
 * conventions for databases (`db.system.name = redis`, `db.operation.name`). Capabilities add
 * their own `rediskit.<capability>.*` attributes: bounded values only (namespaces, policy
 * names, layers, counts), never keys, tokens or user ids.
 */
export function redisSpanAttributes(operation: string, extra?: TraceAttributes): TraceAttributes {
  return { 'db.system.name': 'redis', 'db.operation.name': operation, ...extra };
}
