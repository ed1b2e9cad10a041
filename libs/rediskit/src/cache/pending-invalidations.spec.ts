import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PendingInvalidations, type PendingBatch } from './pending-invalidations.js';

const ROOT = 'rk:cache:';
const NS = 'rk:cache:orders:';

function drain(q: PendingInvalidations): PendingBatch[] {
  const out: PendingBatch[] = [];
  for (let batch = q.next(); batch; batch = q.next()) {
    out.push(batch);
    q.done(batch);
  }
  return out;
}

describe('pending invalidations', () => {
  it('replays each key, tag and pattern once, in the order they were (last) made, runs of one kind together', () => {
    const q = new PendingInvalidations(100, ROOT);
    q.addKeys(NS, [`${NS}a`, `${NS}b`]);
    q.addKeys(NS, [`${NS}a`]); // again: moves behind b
    q.addTags(['user:1', 'user:1']);
    q.addPattern(NS, `${NS}x*`);
    q.addKeys(NS, [`${NS}c`]);
    expect(q.size).toBe(5);
    const batches = drain(q);
    expect(batches.map((b) => (b.kind === 'k' ? b.fulls : b.kind === 't' ? b.tags : b.pattern))).toEqual([
      [`${NS}b`, `${NS}a`],
      ['user:1'],
      `${NS}x*`,
      [`${NS}c`],
    ]);
    expect(q.size).toBe(0);
  });

  it('covers the keys, patterns and tags it holds, and nothing else', () => {
    const q = new PendingInvalidations(100, ROOT);
    q.addKeys(NS, [`${NS}a`]);
    q.addPattern(NS, `${NS}p:*`);
    q.addTags(['user']);
    expect(q.covers(`${NS}a`, undefined)).toBe(true);
    expect(q.covers(`${NS}p:1`, undefined)).toBe(true);
    expect(q.covers(`${NS}b`, new Map([['user', 3], ['user:1', 4]]))).toBe(true);
    expect(q.covers(`${NS}b`, new Map([['org', 3]]))).toBe(false);
    expect(q.covers(`${NS}b`, undefined)).toBe(false);
  });

  it('an invalidation made again while its batch is replayed stays for the next replay', () => {
    const q = new PendingInvalidations(100, ROOT);
    q.addTags(['t']);
    const batch = q.next()!;
    q.addTags(['t']);
    q.done(batch);
    expect(q.size).toBe(1);
    expect(q.covers(`${NS}x`, new Map([['t', 1]]))).toBe(true);
  });

  it('beyond max, keeps the namespaces instead, and the whole cache once a tag is among them', () => {
    const q = new PendingInvalidations(3, ROOT);
    q.addKeys(NS, [`${NS}1`, `${NS}2`, `${NS}3`]);
    expect(q.overflowed).toBe(false);
    q.addPattern('rk:cache:invoices:', 'rk:cache:invoices:x*');
    expect(q.overflowed).toBe(true);
    expect(q.size).toBe(2);
    expect(q.covers(`${NS}never-invalidated`, undefined)).toBe(true);
    expect(q.covers('rk:cache:invoices:y', undefined)).toBe(true);
    expect(q.covers('rk:cache:users:1', undefined)).toBe(false);
    q.addKeys(NS, [`${NS}4`]); // the namespace once
    expect(q.size).toBe(2);
    q.addTags(['user:1']);
    expect(q.size).toBe(1);
    expect(q.covers('rk:cache:users:1', undefined)).toBe(true);
    expect(drain(q).map((b) => b.kind === 'p' && b.pattern)).toEqual(['rk:cache:*']);
    expect(q.overflowed).toBe(false);
  });

  it('whatever is added, draining replays every distinct invalidation exactly once, and never more than max are kept', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('k' as const), name: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({ kind: fc.constant('t' as const), name: fc.constantFrom('u', 'u:1', 'o') }),
      fc.record({ kind: fc.constant('p' as const), name: fc.constantFrom('a*', 'b?') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.integer({ min: 1, max: 12 }), (ops, max) => {
        const q = new PendingInvalidations(max, ROOT);
        for (const o of ops) {
          if (o.kind === 'k') q.addKeys(NS, [NS + o.name]);
          else if (o.kind === 't') q.addTags([o.name]);
          else q.addPattern(NS, NS + o.name);
          expect(q.size).toBeLessThanOrEqual(max);
        }
        const distinct = new Set(ops.map((o) => o.kind + o.name));
        const overflowed = q.overflowed;
        const replayed = drain(q).flatMap((b) => (b.kind === 'k' ? b.fulls.map((f) => `k${f.slice(NS.length)}`) : b.kind === 't' ? b.tags.map((t) => `t${t}`) : [`p${b.pattern}`]));
        expect(q.size).toBe(0);
        if (!overflowed) expect(replayed.sort()).toEqual([...distinct].map((d) => (d[0] === 'p' ? `p${NS}${d.slice(1)}` : d)).sort());
        else expect(replayed).toEqual([ops.some((o) => o.kind === 't') ? `p${ROOT}*` : `p${NS}*`]);
      }),
    );
  });
});
