import type { RowChange } from './change-payload.js';

/**
 * The changes received since the last invalidation, bounded: per table a set of ids, which
 * collapses to "the whole table" past `maxIdsPerTable` ids or on a change without an id. So a
 * bulk UPDATE of a million rows costs one table-wide invalidation, and memory stays at most
 * tables × maxIdsPerTable ids whatever the database sends.
 */
export class ChangeBatch {
  private pending = new Map<string, Set<string> | 'all'>();

  constructor(private readonly maxIdsPerTable: number) {}

  get size(): number {
    return this.pending.size;
  }

  add(change: RowChange): void {
    const ids = this.pending.get(change.table);
    if (ids === 'all') return;
    if (change.id === undefined || (ids && ids.size >= this.maxIdsPerTable)) {
      this.pending.set(change.table, 'all');
      return;
    }
    if (ids) ids.add(change.id);
    else this.pending.set(change.table, new Set([change.id]));
  }

  /** Marks whole tables changed (a gap: what happened there is unknown). */
  addTables(tables: Iterable<string>): void {
    for (const table of tables) this.pending.set(table, 'all');
  }

  /** The tags of everything pending, and empties the batch. */
  take(tagsOf: (change: RowChange) => string[]): string[] {
    const tags = new Set<string>();
    for (const [table, ids] of this.pending) {
      if (ids === 'all') for (const tag of tagsOf({ table, op: 'update' })) tags.add(tag);
      else for (const id of ids) for (const tag of tagsOf({ table, op: 'update', id })) tags.add(tag);
    }
    this.pending = new Map();
    return [...tags];
  }
}
