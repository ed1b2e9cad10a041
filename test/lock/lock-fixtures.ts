import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LockLostError, LockService, RedisModule, type Lock, type RedisModuleOptions } from 'nestjs-rediskit';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Boots a Nest app with RedisModule (and any extra providers). */
export async function bootApp(options: RedisModuleOptions, providers: any[] = []): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot(options)], providers }).compile();
  return moduleRef.createNestApplication({ logger: false }).init();
}

/** One critical section as the checker saw it. */
interface Section {
  token: number;
  start: number;
  end: number;
  /** The holder still had a confirmed local lease when it finished. */
  inLease: boolean;
  committed: boolean;
}

/**
 * A resource guarded by fencing tokens, as a database or storage service would be: it
 * remembers the highest token it has seen, refuses to start work with a lower one, and
 * refuses to commit work whose token is no longer the highest (a newer holder started since).
 */
export class FencedResource {
  private highest = 0;
  readonly sections: Section[] = [];
  rejected = 0;

  begin(token: number): boolean {
    if (token < this.highest) {
      this.rejected++;
      return false;
    }
    this.highest = token;
    return true;
  }

  commit(token: number): boolean {
    if (token !== this.highest) {
      this.rejected++;
      return false;
    }
    return true;
  }

  /** Pairs of committed sections whose time intervals intersect. */
  acceptedOverlaps(): number {
    return overlaps(this.sections.filter((s) => s.committed));
  }

  /** Pairs of sections that each finished inside their own lease yet intersect in time. */
  leaseOverlaps(): number {
    return overlaps(this.sections.filter((s) => s.inLease));
  }
}

function overlaps(sections: Section[]): number {
  const sorted = [...sections].sort((a, b) => a.start - b.start);
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].start < sorted[i].end; j++) count++;
  }
  return count;
}

export interface CheckerResult {
  resource: FencedResource;
  acquisitions: number;
  lostInWithLock: number;
  tokens: number[];
}

/**
 * The mutual-exclusion checker: `workers` workers spread over the apps take the same lock
 * `total` times. Half use acquire/release without extension (long work outlives the lease, so
 * stale holders must be stopped by the fence), half use withLock (auto-extended). Some work
 * takes longer than the TTL.
 */
export async function runMutualExclusion(apps: INestApplication[], opts: { resource: string; total: number; workers: number; ttl: number }): Promise<CheckerResult> {
  const resource = new FencedResource();
  let claimed = 0;
  let lostInWithLock = 0;
  const retry = { attempts: Infinity, delay: 2, jitter: 3 };
  const section = async (lock: Lock, workMs: number) => {
    const start = performance.now();
    const began = resource.begin(lock.fencingToken);
    await sleep(workMs);
    const committed = began && resource.commit(lock.fencingToken);
    const end = performance.now();
    resource.sections.push({ token: lock.fencingToken, start, end, inLease: lock.isHeld && lock.remainingMs > 0, committed });
  };
  const worker = async (id: number) => {
    const locks = apps[id % apps.length].get(LockService);
    while (claimed < opts.total) {
      claimed++;
      const long = Math.random() < 0.1;
      const workMs = long ? opts.ttl * (1.2 + Math.random()) : Math.random() * opts.ttl * 0.1;
      if (id % 4 < 2) {
        const lock = await locks.acquire(opts.resource, { ttl: opts.ttl, retry });
        await section(lock, workMs);
        await lock.release();
      } else {
        await locks.withLock(opts.resource, (_signal, lock) => section(lock, workMs), { ttl: opts.ttl, retry }).catch((error: unknown) => {
          if (!(error instanceof LockLostError)) throw error;
          lostInWithLock++;
        });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, (_, i) => worker(i)));
  const tokens = [...resource.sections].sort((a, b) => a.start - b.start).map((s) => s.token);
  return { resource, acquisitions: resource.sections.length, lostInWithLock, tokens };
}

/** True when every token is larger than the one before it. */
export function strictlyIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]);
}
