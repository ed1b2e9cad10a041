import { RediskitDecoratorError } from '../errors.js';
import { methodWrapper } from '../method-wrapper.js';
import { compileKey, compileKeys, compileSplitTags, compileTags, type CacheKeyTemplate, type CacheTagsTemplate } from './cache-key-template.js';
import type { CacheAdaptation, CacheLoaderContext, CacheSetOptions } from './cache.options.js';
import { adaptContext } from './loader-context.js';
import type { CacheNamespace } from './cache.namespace.js';
import { CacheService } from './cache.service.js';
import { stableHash } from './stable-hash.js';

/** Options of {@link Cacheable} and {@link CachePut}. */
export interface CacheableOptions extends Omit<CacheSetOptions, 'tags' | 'cacheIf'> {
  /**
   * The key; default `ClassName.method:<hash of the arguments>` (see `stableHash`: arguments it
   * cannot represent faithfully, such as a RegExp or a class instance, fail the call with
   * `RediskitArgumentError` asking for an explicit key).
   * @default `ClassName.method:<hash of the arguments>`
   */
  key?: CacheKeyTemplate;
  /**
   * Tags of the entry: templates or functions of the arguments. With `@Cacheable`, templates
   * may also name the result (`'user:{result.id}'`), for what only the result knows; they are
   * rendered once the method returned (left out when it returned `null`), and checked against
   * invalidations made while it ran.
   * @default none
   */
  tags?: CacheTagsTemplate;
  /** Namespace of the entry. @default the `default` namespace */
  namespace?: string;
  /** Use the cache for this call only when it returns true; otherwise just call the method. @default always */
  condition?: (...args: any[]) => boolean;
  /** Do not store the result when it returns true (`undefined` results are never stored). @default never */
  unless?: (result: any, ...args: any[]) => boolean;
  /**
   * Adaptive caching: decides from the result how it is cached (`ttl`, `grace`,
   * `staleIfError`, `l1Ttl` replace the decorator's for this result, `tags` are added, `skip:
   * true` returns it without storing it). What it returns is validated like the options.
   *
   * @example
   * @Cacheable({ key: 'quote:{0}', adapt: (q: Quote) => ({ ttl: q.marketOpen ? '5s' : '1h' }) })
   * @default none: the options as given
   */
  adapt?: (result: any, ...args: any[]) => CacheAdaptation | undefined | null | void;
}

/** Options of {@link CacheEvict}. */
export interface CacheEvictOptions {
  /** Keys to delete (templates may use `{result...}` unless `beforeInvocation`). @default none */
  keys?: CacheKeyTemplate | CacheKeyTemplate[];
  /** Tags to invalidate. @default none */
  tags?: CacheTagsTemplate;
  /** Clear the whole namespace. @default false */
  allEntries?: boolean;
  /** Evict before the method runs (and even if it throws). @default after it succeeds */
  beforeInvocation?: boolean;
  /** Namespace of the entries. @default the `default` namespace */
  namespace?: string;
  /** Evict only when this returns true. @default always */
  condition?: (...args: any[]) => boolean;
}

// CacheService is injected into the decorated class as this property: each instance uses the
// CacheService of the module that created it, and no state lives in module scope.
const CACHE = Symbol('rediskit:cache');
const wrap = methodWrapper(CacheService, CACHE);

type Host = Record<symbol, CacheService | undefined>;

/**
 * Caches a method's result (through `getOrSet`: one call per key even under concurrency).
 * The class must be a Nest provider, which gets `CacheService` injected as a property; an
 * instance created with `new` calls the method uncached.
 *
 * @example
 * @Cacheable({ key: 'user:{0}', ttl: '10m', tags: ['user:{0}'] })
 * async findUser(id: string) { return this.db.user.find(id) }
 */
export function Cacheable(options: CacheableOptions = {}): MethodDecorator {
  return wrap('Cacheable', (where, original) => {
    const { key, tags, namespace, condition, unless, adapt, ...setOptions } = options;
    const keyOf = key !== undefined ? compileKey(key, where, false) : defaultKey('Cacheable', where);
    const { before: tagsOf, after: resultTagsOf } = compileSplitTags(tags, where);
    if (adapt !== undefined && typeof adapt !== 'function') throw new RediskitDecoratorError(`@Cacheable on ${where}: adapt must be a function`);
    return async function (this: Host, ...args: unknown[]) {
      const cache = this[CACHE];
      if (!cache || (condition && !condition(...args))) return original.apply(this, args);
      const load =
        adapt || resultTagsOf
          ? async (ctx: CacheLoaderContext) => {
              const result = await original.apply(this, args);
              if (resultTagsOf && result !== null && result !== undefined) ctx.tags.push(...resultTagsOf(args, result));
              if (adapt) adaptContext(ctx, adapt(result, ...args));
              return result;
            }
          : () => original.apply(this, args);
      return scope(cache, namespace).getOrSet(keyOf(args), load, {
        ...setOptions,
        tags: tagsOf?.(args),
        cacheIf: unless ? (result) => !unless(result, ...args) : undefined,
      });
    };
  });
}

/**
 * Always runs the method and stores its result (refreshing the entry).
 *
 * @example
 * @CachePut({ key: 'user:{result.id}', tags: ['user:{result.id}'] })
 * async updateUser(id: string, patch: Patch) { return this.db.user.update(id, patch) }
 */
export function CachePut(options: CacheableOptions = {}): MethodDecorator {
  return wrap('CachePut', (where, original) => {
    const { key, tags, namespace, condition, unless, adapt, ...setOptions } = options;
    const keyOf = key !== undefined ? compileKey(key, where, true) : defaultKey('CachePut', where);
    const tagsOf = compileTags(tags, where, true);
    if (adapt !== undefined && typeof adapt !== 'function') throw new RediskitDecoratorError(`@CachePut on ${where}: adapt must be a function`);
    return async function (this: Host, ...args: unknown[]) {
      const result = await original.apply(this, args);
      const cache = this[CACHE];
      if (!cache || result === undefined || (condition && !condition(...args)) || unless?.(result, ...args)) return result;
      const adapted = adapt?.(result, ...args);
      if (adapted?.skip) return result;
      const given = tagsOf?.(args, result);
      const more = adapted?.tags;
      const { skip: _, tags: __, ...durations } = adapted ?? {};
      await scope(cache, namespace).set(keyOf(args, result), result, {
        ...setOptions,
        ...durations,
        // Not a list: passed as it is, so set() refuses it naming `tags`.
        tags: Array.isArray(more) ? [...(given ?? []), ...more] : (more ?? given),
      });
      return result;
    };
  });
}

/**
 * Deletes keys, invalidates tags or clears the namespace when the method runs (after it
 * succeeds, or before it with `beforeInvocation`).
 *
 * @example
 * @CacheEvict({ keys: 'user:{0}', tags: ['user:{0}'] })
 * async deleteUser(id: string) { await this.db.user.delete(id) }
 */
export function CacheEvict(options: CacheEvictOptions): MethodDecorator {
  return wrap('CacheEvict', (where, original) => {
    const keysOf = compileKeys(options.keys, where);
    const tagsOf = compileTags(options.tags, where, !options.beforeInvocation);
    if (!keysOf && !tagsOf && !options.allEntries) throw new RediskitDecoratorError(`@CacheEvict on ${where} needs keys, tags or allEntries`);
    const evict = async (cache: CacheService, args: unknown[], result?: unknown) => {
      const target = scope(cache, options.namespace);
      if (options.allEntries) await target.clear();
      if (keysOf) await target.del(keysOf(args, result));
      if (tagsOf) await target.invalidateTags(tagsOf(args, result));
    };
    return async function (this: Host, ...args: unknown[]) {
      const cache = this[CACHE];
      const active = !!cache && (!options.condition || options.condition(...args));
      if (active && options.beforeInvocation) await evict(cache!, args);
      const result = await original.apply(this, args);
      if (active && !options.beforeInvocation) await evict(cache!, args, result);
      return result;
    };
  });
}

// `Class.method:<hash of the arguments>`; arguments the hash cannot represent faithfully (a
// RegExp, a URL, a class instance...) are refused rather than sharing an entry with others.
function defaultKey(decorator: string, where: string): (args: unknown[]) => string {
  const options = { name: `arguments of ${where}`, hint: `give @${decorator} an explicit key` };
  return (args) => `${where}:${stableHash(args, options)}`;
}

function scope(cache: CacheService, namespace: string | undefined): CacheNamespace {
  return namespace ? cache.namespace(namespace) : cache;
}
