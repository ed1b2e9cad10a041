import { AsyncLocalStorage } from 'node:async_hooks';
import type { CacheNamespace, CacheService } from '../cache/index.js';
import { RediskitArgumentError } from '../errors.js';
import type { Duration } from '../options/duration.js';
import { READ_OPERATIONS, WRITE_OPERATIONS, readModels, recordIds, writeModels, type PrismaDataModel } from './prisma-operations.js';

/**
 * Options of {@link withQueryCache}.
 *
 * @example
 * const prisma = withQueryCache(new PrismaClient({ adapter }), cache, { ttl: '1m', models: ['Product', 'Category'] });
 */
export interface PrismaQueryCacheOptions {
  /** How long a read stays cached. @default the cache's `defaultTtl` */
  ttl?: Duration;
  /** The models whose reads are cached; writes to any model invalidate. @default every model */
  models?: string[];
  /** The id field of models whose id is not `id` (record tags `<Model>:<id>`). @default `'id'` for every model */
  idFields?: Record<string, string>;
  /** Most record tags one result carries; a larger result relies on its model tag. @default 100 */
  maxRecordTags?: number;
}

/** A Prisma client as far as the query cache needs it (Prisma 7, any driver adapter). */
export interface PrismaClientLike {
  $extends(extension: unknown): unknown;
  $transaction(...args: unknown[]): Promise<unknown>;
}

interface OperationParams {
  model?: string;
  operation: string;
  args: unknown;
  query(args: unknown): Promise<unknown>;
}

/** The tags the writes of one transaction invalidate once it has committed. */
interface TransactionScope {
  tags: Set<string>;
}

const MODEL_TAG = (model: string) => `model:${model}`;

/**
 * Caches the reads of a Prisma client through `CacheService` and invalidates on every write
 * made through it. A read (`findUnique`, `findMany`, `count`, `aggregate`, `groupBy`...) is cached
 * under its model, operation and arguments (`cacheQuery`), tagged `model:<Model>` for its model
 * and every model it includes, selects or filters through, and `<Model>:<id>` for each record it
 * returns. A write (`create`, `update`, `upsert`, `delete`, the `Many` forms) invalidates
 * `model:<Model>` of its model, of the targets of its nested writes and, for deletes, of the
 * models related to it (referential actions), plus the records it names or returns. Inside
 * `$transaction` (interactive or batch) reads are not cached and writes are invalidated after
 * the transaction ends, never before its commit.
 *
 * Raw queries (`$queryRaw`, `$executeRaw`) are not seen: invalidate by hand, or use the
 * database change bridge (docs/database-invalidation.md). Loads `@prisma/client` never: the
 * client you pass is extended.
 *
 * @example
 * import { PrismaClient } from './generated/prisma/client.js';
 * import { withQueryCache } from 'nestjs-rediskit/prisma';
 *
 * const prisma = withQueryCache(new PrismaClient({ adapter }), cache, { ttl: '5m' });
 * await prisma.product.findMany({ where: { published: true } }); // cached
 * await prisma.product.update({ where: { id: 7 }, data: { price: 10 } }); // invalidates Product reads
 */
export function withQueryCache<T extends PrismaClientLike>(client: T, cache: CacheService | CacheNamespace, options: PrismaQueryCacheOptions = {}): T {
  if (!client || typeof client.$extends !== 'function' || typeof client.$transaction !== 'function') {
    throw new RediskitArgumentError('client', 'must be a Prisma client (with $extends and $transaction)');
  }
  const cached = options.models ? new Set(options.models) : undefined;
  const maxRecordTags = options.maxRecordTags ?? 100;
  if (!Number.isInteger(maxRecordTags) || maxRecordTags < 0) throw new RediskitArgumentError('maxRecordTags', `must be an integer ≥ 0, got ${JSON.stringify(options.maxRecordTags)}`);
  const idOf = (model: string) => options.idFields?.[model] ?? 'id';
  const transactions = new AsyncLocalStorage<TransactionScope>();
  let datamodel: PrismaDataModel = { models: {} };

  const recordTags = (model: string, value: unknown) => recordIds(value, idOf(model), maxRecordTags).map((id) => `${model}:${id}`);

  const read = (p: OperationParams & { model: string }) => {
    if (transactions.getStore() || (cached && !cached.has(p.model))) return p.query(p.args);
    const related = [...readModels(datamodel, p.model, p.args)].map(MODEL_TAG);
    return cache
      .cacheQuery({ model: p.model, operation: p.operation, args: p.args }, () => p.query(p.args), {
        ...(options.ttl !== undefined && { ttl: options.ttl }),
        tags: (value: unknown) => [...related, ...recordTags(p.model, value)],
      })
      // The memory layer may hold the value frozen, and Prisma finishes results in place.
      .then((value) => structuredClone(value))
      .catch((error: unknown) => {
        // Arguments the cache cannot key (a Decimal, a class instance): read without caching.
        if (error instanceof RediskitArgumentError && error.argument === 'query.args') return p.query(p.args);
        throw error;
      });
  };

  const write = async (p: OperationParams & { model: string }) => {
    const tags = new Set([p.model, ...writeModels(datamodel, p.model, p.operation, p.args)].map(MODEL_TAG));
    const where = (p.args as { where?: unknown } | undefined)?.where;
    for (const tag of recordTags(p.model, where)) tags.add(tag);
    const scope = transactions.getStore();
    try {
      const result = await p.query(p.args);
      for (const tag of recordTags(p.model, result)) tags.add(tag);
      return result;
    } finally {
      // Also after a failure: the statement may have committed before the error reached us.
      if (scope) for (const tag of tags) scope.tags.add(tag);
      else await cache.invalidateTags([...tags]);
    }
  };

  const extended = client.$extends((base: { _runtimeDataModel?: PrismaDataModel; $extends(extension: unknown): unknown }) => {
    datamodel = base._runtimeDataModel ?? datamodel;
    return base.$extends({
      name: 'rediskit-query-cache',
      query: {
        $allModels: {
          $allOperations(p: OperationParams) {
            if (!p.model) return p.query(p.args);
            if (READ_OPERATIONS.has(p.operation)) return read(p as OperationParams & { model: string });
            if (WRITE_OPERATIONS.has(p.operation)) return write(p as OperationParams & { model: string });
            return p.query(p.args);
          },
        },
      },
    });
  }) as T;

  // $transaction runs the writes in a scope whose tags are invalidated once it has ended.
  const transaction = async (...args: unknown[]) => {
    if (transactions.getStore()) return extended.$transaction(...args);
    const scope: TransactionScope = { tags: new Set() };
    try {
      return await transactions.run(scope, () => extended.$transaction(...args));
    } finally {
      if (scope.tags.size) await cache.invalidateTags([...scope.tags]);
    }
  };
  return new Proxy(extended, {
    get: (target, property, receiver) => (property === '$transaction' ? transaction : Reflect.get(target, property, receiver)),
  });
}
