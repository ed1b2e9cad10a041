import type { AcquireOutcome, ExtendOutcome, LockBackend, QueueRequest } from './lock.backend.js';
import type { LockCommands } from './lock.commands.js';

/**
 * Locks on one connection (standalone, Sentinel or cluster). Redis errors propagate: a lock
 * that cannot be confirmed is never reported as taken.
 */
export class SingleLockBackend implements LockBackend {
  readonly mode = 'single';

  readonly handOffs: LockBackend['handOffs'];

  constructor(private readonly commands: LockCommands) {
    this.handOffs = { connection: commands.connection, channel: commands.handOffChannel, budget: commands.budget };
  }

  async tryAcquire(resource: string, token: string, ttlMs: number, _deadline: number, queue?: QueueRequest): Promise<AcquireOutcome> {
    const reply = await this.commands.acquire(resource, token, ttlMs, queue?.forMs, queue?.queued);
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
