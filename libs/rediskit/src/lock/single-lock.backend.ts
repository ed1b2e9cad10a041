import type { AcquireOutcome, ExtendOutcome, LockBackend } from './lock.backend.js';
import type { LockCommands } from './lock.commands.js';

/**
 * Locks on one connection (standalone, Sentinel or cluster). Redis errors propagate: a lock
 * that cannot be confirmed is never reported as taken.
 */
export class SingleLockBackend implements LockBackend {
  readonly mode = 'single';

  constructor(private readonly commands: LockCommands) {}

  async tryAcquire(resource: string, token: string, ttlMs: number): Promise<AcquireOutcome> {
    const reply = await this.commands.acquire(resource, token, ttlMs);
    return reply > 0 ? { acquired: true, fencingToken: reply } : { acquired: false, heldForMs: -reply };
  }

  async extend(resource: string, token: string, ttlMs: number): Promise<ExtendOutcome> {
    return (await this.commands.extend(resource, token, ttlMs)) ? 'extended' : 'lost';
  }

  release(resource: string, token: string): Promise<boolean> {
    return this.commands.release(resource, token);
  }

  isLocked(resource: string): Promise<boolean> {
    return this.commands.isLocked(resource);
  }

  forceRelease(resource: string): Promise<boolean> {
    return this.commands.forceRelease(resource);
  }
}
