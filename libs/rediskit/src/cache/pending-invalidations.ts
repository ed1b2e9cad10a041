import { compileGlob, type GlobMatcher } from './glob.js';

/** A namespace (or the whole cache) to clear, after an overflow. */
type FlushOp = { kind: 'f'; prefix: string; glob: GlobMatcher };

/** One invalidation waiting for Redis. `prefix`: the namespace it was made in (its keys' prefix). */
type PendingOp = { kind: 'k'; full: string; prefix: string } | { kind: 't'; tag: string } | { kind: 'p'; pattern: string; glob: GlobMatcher; prefix: string } | FlushOp;

/** Consecutive pending invalidations of one kind, replayed together. */
export type PendingBatch =
  | { kind: 'k'; fulls: string[]; ops: PendingOp[] }
  | { kind: 't'; tags: string[]; ops: PendingOp[] }
  | { kind: 'p'; pattern: string; glob: GlobMatcher; ops: PendingOp[] };

const KEYS_PER_BATCH = 1000;
const TAGS_PER_BATCH = 1000;

/**
 * Invalidations that could not reach Redis or the bus, kept until they can (auto-recovery):
 * bounded, deduplicated (a key, tag or pattern once), replayed in the order they were made.
 * Until then a value Redis returns that one of them covers is not trusted (it reads as a
 * miss), so Redis coming back before the replay cannot bring back what this instance
 * invalidated.
 *
 * Beyond `max` invalidations the queue forgets them and keeps, instead, the namespaces they
 * touched: each is cleared (SCAN + UNLINK, and every instance drops it from memory) when Redis
 * answers. A tag may reach every namespace, so an overflow with a tag in it clears the whole
 * cache. The queue lives in this process: it is lost if the process dies first.
 */
export class PendingInvalidations {
  private readonly ops = new Map<string, PendingOp>();
  private patterns = 0;
  private tags = 0;
  /** After an overflow: namespace prefixes (or the cache's root) to clear. */
  private flushes: Map<string, FlushOp> | undefined;

  constructor(
    private readonly max: number,
    /** Prefix of every key of the cache (all namespaces). */
    private readonly root: string,
  ) {}

  /** Invalidations (or namespaces to clear) waiting. */
  get size(): number {
    return this.flushes ? this.flushes.size : this.ops.size;
  }

  /** True after an overflow, until the namespaces are cleared. */
  get overflowed(): boolean {
    return this.flushes !== undefined;
  }

  addKeys(prefix: string, fulls: readonly string[]): void {
    for (const full of fulls) this.add(`k${full}`, { kind: 'k', full, prefix });
  }

  addTags(tags: readonly string[]): void {
    for (const tag of tags) this.add(`t${tag}`, { kind: 't', tag });
  }

  addPattern(prefix: string, pattern: string): void {
    this.add(`p${pattern}`, { kind: 'p', pattern, glob: compileGlob(pattern), prefix });
  }

  /** True when a pending invalidation covers `full` (or one of the tags its entry recorded). */
  covers(full: string, tags: Map<string, number> | undefined): boolean {
    if (this.flushes) {
      for (const op of this.flushes.values()) if (full.startsWith(op.prefix)) return true;
      return false;
    }
    if (this.ops.has(`k${full}`)) return true;
    if (this.patterns > 0) for (const op of this.ops.values()) if (op.kind === 'p' && op.glob.test(full)) return true;
    if (this.tags > 0 && tags) for (const tag of tags.keys()) if (this.ops.has(`t${tag}`)) return true;
    return false;
  }

  /** The first invalidations to replay: a run of one kind, in order (namespaces to clear after an overflow). */
  next(): PendingBatch | undefined {
    if (this.flushes) {
      const first = this.flushes.values().next().value;
      return first && { kind: 'p', pattern: `${first.prefix}*`, glob: first.glob, ops: [first] };
    }
    const all = this.ops.values();
    const head = all.next().value;
    if (head === undefined || head.kind === 'f') return undefined;
    if (head.kind === 'p') return { kind: 'p', pattern: head.pattern, glob: head.glob, ops: [head] };
    const ops: PendingOp[] = [head];
    const limit = head.kind === 'k' ? KEYS_PER_BATCH : TAGS_PER_BATCH;
    for (const op of all) {
      if (op.kind !== head.kind || ops.length >= limit) break;
      ops.push(op);
    }
    if (head.kind === 'k') return { kind: 'k', fulls: ops.map((o) => (o as typeof head).full), ops };
    return { kind: 't', tags: ops.map((o) => (o as typeof head).tag), ops };
  }

  /** A batch reached Redis and the bus: forget it (an invalidation made again meanwhile stays). */
  done(batch: PendingBatch): void {
    for (const op of batch.ops) {
      const id = idOf(op);
      if (op.kind === 'f') {
        if (this.flushes?.get(id) === op) this.flushes.delete(id);
        continue;
      }
      if (this.ops.get(id) !== op) continue;
      this.ops.delete(id);
      if (op.kind === 'p') this.patterns--;
      if (op.kind === 't') this.tags--;
    }
    if (this.flushes?.size === 0) this.flushes = undefined;
  }

  private add(id: string, op: PendingOp): void {
    if (this.flushes) return this.flush(op);
    const had = this.ops.get(id);
    // Made again: it moves to the end, and a replay under way does not count it as done.
    if (had) this.ops.delete(id);
    else {
      if (op.kind === 'p') this.patterns++;
      if (op.kind === 't') this.tags++;
    }
    this.ops.set(id, op);
    if (this.ops.size > this.max) this.overflow();
  }

  // Too many to keep: keep the namespaces they touched, to clear each once Redis answers.
  private overflow(): void {
    this.flushes = new Map();
    for (const op of this.ops.values()) this.flush(op);
    this.ops.clear();
    this.patterns = 0;
    this.tags = 0;
  }

  private flush(op: PendingOp): void {
    const flushes = this.flushes!;
    // The whole cache covers every namespace: it replaces them, and absorbs what comes later.
    const prefix = op.kind === 't' || flushes.has(`f${this.root}`) ? this.root : op.prefix;
    if (prefix === this.root) flushes.clear();
    // Made again: a new entry, so a clear under way does not count it as done.
    flushes.delete(`f${prefix}`);
    flushes.set(`f${prefix}`, { kind: 'f', prefix, glob: compileGlob(`${prefix}*`) });
  }
}

function idOf(op: PendingOp): string {
  switch (op.kind) {
    case 'k':
      return `k${op.full}`;
    case 't':
      return `t${op.tag}`;
    case 'p':
      return `p${op.pattern}`;
    case 'f':
      return `f${op.prefix}`;
  }
}
