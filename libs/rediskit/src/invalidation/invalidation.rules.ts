import { RediskitArgumentError } from '../errors.js';

/** A list of names, or a function of the event's payload that returns them. */
export type FromEvent<E> = readonly string[] | ((event: E) => readonly string[] | undefined);

/**
 * What one domain event invalidates in the cache, declared once. Each list is either fixed or
 * computed from the event's payload; empty or missing lists do nothing.
 *
 * @example
 * const productUpdated: InvalidationRule<{ id: number }> = {
 *   on: 'product.updated',
 *   tags: (e) => [`product:${e.id}`, 'products'],
 *   keys: (e) => [`product-page:${e.id}`],
 *   patterns: ['search:*'],
 * };
 */
export interface InvalidationRule<E = any> {
  /** The event's name, matched exactly (`'product.updated'`). */
  on: string;
  /** Tags to invalidate (`CacheService.invalidateTags`). */
  tags?: FromEvent<E>;
  /** Globs of keys to remove (`invalidatePattern`, in `namespace`). */
  patterns?: FromEvent<E>;
  /** Keys to remove (`del`, in `namespace`). */
  keys?: FromEvent<E>;
  /** The cache namespace of `keys` and `patterns` (tags reach every namespace). @default `'default'` */
  namespace?: string;
}

const LISTS = ['tags', 'patterns', 'keys'] as const;
const FIELDS = new Set(['on', 'namespace', ...LISTS]);

/** What is wrong with `rule` (empty when nothing), each naming its field under `path`. */
export function ruleProblems(rule: unknown, path: string): string[] {
  if (typeof rule !== 'object' || rule === null) return [`${path} must be an object { on, tags?, patterns?, keys?, namespace? }`];
  const r = rule as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r.on !== 'string' || r.on.length === 0) problems.push(`${path}.on must be a non-empty event name`);
  if (r.namespace !== undefined && (typeof r.namespace !== 'string' || r.namespace.length === 0)) problems.push(`${path}.namespace must be a non-empty string`);
  for (const list of LISTS) {
    const value = r[list];
    if (value === undefined || typeof value === 'function') continue;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) problems.push(`${path}.${list} must be an array of non-empty strings or a function of the event`);
  }
  for (const field of Object.keys(r)) if (!FIELDS.has(field)) problems.push(`${path}.${field} is not a rule field`);
  return problems;
}

/** What a rule resolves to for one event. */
export interface RuleTargets {
  tags: string[];
  patterns: string[];
  keys: string[];
  namespace?: string;
}

/** The lists of `rule` for `event`; throws when a function of the rule throws or returns a bad list. */
export function targetsOf(rule: InvalidationRule, event: unknown): RuleTargets {
  const resolve = (list: (typeof LISTS)[number]): string[] => {
    const from = rule[list];
    const names = typeof from === 'function' ? from(event) : from;
    if (names === undefined) return [];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n.length > 0)) {
      throw new RediskitArgumentError(list, `the rule on "${rule.on}" returned something other than an array of non-empty strings`);
    }
    return names as string[];
  };
  return { tags: resolve('tags'), patterns: resolve('patterns'), keys: resolve('keys'), namespace: rule.namespace };
}

/** The rules of this instance, by event name, in the order they were registered. */
export class RuleRegistry {
  private readonly byEvent = new Map<string, InvalidationRule[]>();

  /** Adds rules (checked; a bad one throws `RediskitArgumentError` and none is added); returns a function that removes them. */
  add(rules: readonly InvalidationRule[]): () => void {
    const problems = rules.flatMap((rule, i) => ruleProblems(rule, rules.length === 1 ? 'rule' : `rules[${i}]`));
    if (problems.length) throw new RediskitArgumentError('rule', problems.join('; '));
    const added = rules.map((rule) => Object.freeze({ ...rule }));
    for (const rule of added) this.byEvent.set(rule.on, [...(this.byEvent.get(rule.on) ?? []), rule]);
    return () => {
      for (const rule of added) {
        const left = (this.byEvent.get(rule.on) ?? []).filter((r) => r !== rule);
        if (left.length) this.byEvent.set(rule.on, left);
        else this.byEvent.delete(rule.on);
      }
    };
  }

  /** The rules that fire for `event` (a copy). */
  rulesFor(event: string): InvalidationRule[] {
    return [...(this.byEvent.get(event) ?? [])];
  }

  /** Every event name that has rules. */
  events(): string[] {
    return [...this.byEvent.keys()];
  }
}
