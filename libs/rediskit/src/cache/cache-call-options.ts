import { RediskitArgumentError } from '../errors.js';
import { toMs, toPositiveMs, type Duration } from '../options/duration.js';
import type { CacheSetOptions, InvalidateOptions, LoaderTimeout, OnUnreachable } from './cache.options.js';
import type { CacheSettings } from './cache.settings.js';
import { TagVersions } from './tag-versions.js';

/** Per-call options with every default applied, durations in ms. */
export interface CallOptions {
  ttl: number;
  l1Ttl: number;
  /** Given tags (for invalidation) and their expansion (for recording versions). */
  tags: string[] | undefined;
  expandedTags: string[] | undefined;
  /** Tags of the value, when the call gave them as a function of it. */
  tagsOf: ((value: unknown) => string[]) | undefined;
  grace: number;
  staleIfError: number;
  soft: number | undefined;
  hard: number | undefined;
  skipL1: boolean;
  lock: boolean;
  /** XFetch beta; 0 = off. */
  beta: number;
  cacheIf: ((value: unknown) => boolean) | undefined;
  /** The loader chose grace or staleIfError: they are stored with the entry, for every reader. */
  windows: boolean;
}

/** The module's settings as call options (shared, never mutated). */
export function defaultCallOptions(d: CacheSettings): CallOptions {
  return Object.freeze({
    ttl: d.ttl,
    l1Ttl: d.l1Ttl,
    tags: undefined,
    expandedTags: undefined,
    tagsOf: undefined,
    grace: d.grace,
    staleIfError: d.staleIfError,
    soft: d.soft,
    hard: d.hard,
    skipL1: false,
    lock: false,
    beta: d.beta,
    cacheIf: undefined,
    windows: false,
  });
}

/** Applies one call's options over the defaults; bad values throw errors naming the key. */
export function resolveCallOptions(base: CallOptions, o: CacheSetOptions | undefined, key: string): CallOptions {
  if (o === undefined) return base;
  const timeout = o.timeout !== undefined ? splitTimeout(o.timeout, 'timeout', key) : { soft: base.soft, hard: base.hard };
  const tagsOf = typeof o.tags === 'function' ? o.tags : undefined;
  const tags = o.tags !== undefined && !tagsOf ? checkTags(o.tags) : undefined;
  return {
    ttl: o.ttl !== undefined ? positive(o.ttl, 'ttl', key) : base.ttl,
    l1Ttl: o.l1Ttl !== undefined ? positive(o.l1Ttl, 'l1Ttl', key) : base.l1Ttl,
    tags,
    expandedTags: tags && tags.length > 0 ? TagVersions.expand(tags) : undefined,
    tagsOf,
    grace: o.grace !== undefined ? nonNegative(o.grace, 'grace', key) : base.grace,
    staleIfError: o.staleIfError !== undefined ? nonNegative(o.staleIfError, 'staleIfError', key) : base.staleIfError,
    soft: timeout.soft,
    hard: timeout.hard,
    skipL1: o.skipL1 ?? base.skipL1,
    lock: o.lock ?? base.lock,
    beta: o.earlyRefresh !== undefined ? betaOf(o.earlyRefresh) : base.beta,
    cacheIf: o.cacheIf,
    windows: false,
  };
}

/** What a loader may change of its call's options (see `CacheLoaderContext`). */
export interface Adaptable {
  ttl: Duration;
  grace: Duration;
  staleIfError: Duration;
  tags: string[] | undefined;
}

/**
 * The options a loader left (see `CacheLoaderContext`): `o` when it changed nothing, else `o`
 * with what it set, validated; a bad value throws `RediskitArgumentError` naming the option,
 * the key and that the loader set it.
 */
export function adaptCallOptions(o: CallOptions, a: Adaptable, key: string): CallOptions {
  const tagsChanged = !sameList(a.tags, o.tags);
  const windows = a.grace !== o.grace || a.staleIfError !== o.staleIfError;
  if (a.ttl === o.ttl && !windows && !tagsChanged) return o;
  const by = 'set by the loader';
  const tags = tagsChanged ? rethrowList(() => checkTags(a.tags), key, by) : o.tags;
  return {
    ...o,
    ttl: a.ttl === o.ttl ? o.ttl : positive(a.ttl, 'ttl', key, by),
    grace: a.grace === o.grace ? o.grace : nonNegative(a.grace, 'grace', key, by),
    staleIfError: a.staleIfError === o.staleIfError ? o.staleIfError : nonNegative(a.staleIfError, 'staleIfError', key, by),
    tags: tags && tags.length > 0 ? tags : undefined,
    expandedTags: !tagsChanged ? o.expandedTags : tags && tags.length > 0 ? TagVersions.expand(tags) : undefined,
    windows: o.windows || windows,
  };
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function rethrowList(check: () => string[], key: string, by: string): string[] {
  try {
    return check();
  } catch (e) {
    if (e instanceof RediskitArgumentError) throw new RediskitArgumentError('tags', `${e.message.slice('tags'.length + 1)}${where(key)}, ${by}`);
    throw e;
  }
}

/** `o` with the tags its `tagsOf` gives for `value` (a `set`, whose value is known before it is stored). */
export function withValueTags(o: CallOptions, value: unknown, key: string): CallOptions {
  if (!o.tagsOf) return o;
  const tags = tagsOfValue(o.tagsOf, value, key);
  return { ...o, tags: tags.length > 0 ? tags : undefined, expandedTags: tags.length > 0 ? TagVersions.expand(tags) : undefined, tagsOf: undefined };
}

/** The tags `tagsOf` gives for `value`, checked (`RediskitArgumentError` naming `tags` and the key). */
export function tagsOfValue(tagsOf: (value: unknown) => string[], value: unknown, key: string): string[] {
  return rethrowList(() => checkTags(tagsOf(value)), key, 'returned by the tags function');
}

function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new RediskitArgumentError('tags', `must be an array of strings, got ${JSON.stringify(tags)}`);
  TagVersions.expand(tags as string[]);
  return tags as string[];
}

/** The call's `onUnreachable`, else the module's (`RediskitArgumentError` for anything else). */
export function onUnreachableOf(o: InvalidateOptions | undefined, d: CacheSettings): OnUnreachable {
  const v = o?.onUnreachable;
  if (v === undefined) return d.onUnreachable;
  if (v !== 'queue' && v !== 'throw') throw new RediskitArgumentError('onUnreachable', `must be 'queue' or 'throw', got ${JSON.stringify(v)}`);
  return v;
}

/** The XFetch beta of an `earlyRefresh` option; 0 = off. */
export function betaOf(v: boolean | number | undefined): number {
  if (v === undefined || v === false) return 0;
  if (v === true) return 1;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RediskitArgumentError('earlyRefresh', `must be a boolean or a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function where(key: string): string {
  return key ? ` for key "${key}"` : '';
}

function positive(v: Duration, name: string, key: string, by?: string): number {
  return rethrow(() => toPositiveMs(v, name), name, key, by);
}

function nonNegative(v: Duration, name: string, key: string, by?: string): number {
  return rethrow(() => toMs(v, name), name, key, by);
}

function rethrow(parse: () => number, name: string, key: string, by?: string): number {
  try {
    return parse();
  } catch (e) {
    if (e instanceof RediskitArgumentError) throw new RediskitArgumentError(name, `${e.message.slice(name.length + 1)}${where(key)}${by ? `, ${by}` : ''}`);
    throw e;
  }
}

/** A `timeout` option as soft and hard limits in ms (a plain duration is the hard one). */
export function splitTimeout(t: Duration | LoaderTimeout | undefined, name: string, key: string): { soft?: number; hard?: number } {
  if (t === undefined) return {};
  if (typeof t === 'number' || typeof t === 'string') return { hard: positive(t, name, key) };
  if (!t || typeof t !== 'object') throw new RediskitArgumentError(name, `must be a duration or { soft, hard }${where(key)}`);
  return {
    soft: t.soft !== undefined ? positive(t.soft, `${name}.soft`, key) : undefined,
    hard: t.hard !== undefined ? positive(t.hard, `${name}.hard`, key) : undefined,
  };
}
