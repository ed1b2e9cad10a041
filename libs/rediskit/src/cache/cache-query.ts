import { RediskitArgumentError } from '../errors.js';
import { encodeKeyPart } from '../keyspace/keyspace.js';
import type { CacheSetOptions } from './cache.options.js';
import { stableHash } from './stable-hash.js';

/** Identifies a database query for `cacheQuery`. */
export interface QueryDescriptor {
  /** The model (table, entity) the query reads: the entry is tagged `model:<model>`. */
  model: string;
  /** The operation, e.g. `findMany`. */
  operation: string;
  /** The query arguments; hashed independently of key order. */
  args?: unknown;
}

/** The cache key of a query (a hash of its arguments) and its options, tagged `model:<model>` first (see `cacheQuery`). */
export function queryCall(query: QueryDescriptor, options: CacheSetOptions): { key: string; options: CacheSetOptions } {
  if (!query || typeof query.model !== 'string' || !query.model) throw new RediskitArgumentError('query.model', `must be a non-empty string, got ${JSON.stringify(query?.model)}`);
  if (typeof query.operation !== 'string' || !query.operation) throw new RediskitArgumentError('query.operation', `must be a non-empty string, got ${JSON.stringify(query.operation)}`);
  // Encoded parts: ('a:b', 'c') and ('a', 'b:c') must not share an entry.
  const key = `query:${encodeKeyPart(query.model)}:${encodeKeyPart(query.operation)}:${stableHash(query.args ?? null, { name: 'query.args', hint: 'pass plain data' })}`;
  const given = options.tags;
  const model = `model:${query.model}`;
  const tags = typeof given === 'function' ? (value: unknown) => [model, ...given(value)] : [model, ...(given ?? [])];
  return { key, options: { ...options, tags } };
}

/** The tag of every cached query of `model` (`invalidateModel`). */
export function modelTag(model: string): string {
  if (typeof model !== 'string' || !model) throw new RediskitArgumentError('model', `must be a non-empty string, got ${JSON.stringify(model)}`);
  return `model:${model}`;
}
