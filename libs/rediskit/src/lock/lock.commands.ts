import type { RedisConnection } from '../connection/redis-connection.js';
import type { KeyScope } from '../keyspace/keyspace.js';
import { acquireLockScript } from './lock-acquire.lua.js';
import { extendLockScript } from './lock-extend.lua.js';
import { raiseFenceScript } from './lock-raise-fence.lua.js';
import { releaseLockScript } from './lock-release.lua.js';
import { ScriptBatcher } from '../scripts/script-batcher.js';

/**
 * The lock operations on one connection. A resource's lock key and fence counter share its
 * hash tag (`Keyspace.slotted`), so each operation is one script on one cluster node.
 */
export class LockCommands {
  private readonly acquires: ScriptBatcher;
  private readonly extensions: ScriptBatcher;
  private readonly releases: ScriptBatcher;
  private readonly raises: ScriptBatcher;
  private readonly fenceSuffix: string;
  private readonly queueSuffix: string;
  private readonly dueSuffix: string;
  /** Where a release publishes the token of the waiter it handed the lock to. */
  readonly handOffChannel: string;

  constructor(
    readonly connection: RedisConnection,
    private readonly keys: KeyScope,
    /** Time budget of each Redis call (`lock.commandTimeout`, else the connection's). */
    readonly budget = connection.commandTimeout,
  ) {
    this.acquires = new ScriptBatcher(connection, acquireLockScript, { budget });
    this.extensions = new ScriptBatcher(connection, extendLockScript, { budget });
    this.releases = new ScriptBatcher(connection, releaseLockScript, { budget });
    this.raises = new ScriptBatcher(connection, raiseFenceScript, { budget });
    this.fenceSuffix = keys.keyspace.separator + 'fence';
    this.queueSuffix = keys.keyspace.separator + 'queue';
    this.dueSuffix = keys.keyspace.separator + 'waiters';
    this.handOffChannel = keys.key('handoff');
  }

  /** The lock key of `resource`. */
  lockKey(resource: string): string {
    return this.keys.slotted(resource);
  }

  /** The fence counter of `resource` (same as `keys.slotted(resource, 'fence')`). */
  fenceKey(lockKey: string): string {
    return lockKey + this.fenceSuffix;
  }

  /**
   * SET NX PX + INCR: the fencing token (≥ 1), or minus the holder's remaining lease in ms.
   * `queueForMs` > 0 joins the resource's waiter queue for that long when the lock is held;
   * `queued` says this caller may be in it already (see lock-acquire.lua.ts).
   */
  acquire(resource: string, token: string, ttlMs: number, queueForMs = 0, queued = false): Promise<number> {
    const key = this.lockKey(resource);
    return this.acquires.call([key, this.fenceKey(key), key + this.queueSuffix, key + this.dueSuffix], [token, ttlMs, Math.ceil(queueForMs), queued ? 1 : 0]);
  }

  /** Compare-and-pexpire: true when renewed. */
  async extend(resource: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.extensions.call([this.lockKey(resource)], [token, ttlMs])) === 1;
  }

  /**
   * Compare-and-delete, or hand-off to the first queued waiter: true when our lock was
   * released. A caller that does not hold the lock leaves the queue (see lock-release.lua.ts).
   */
  async release(resource: string, token: string): Promise<boolean> {
    const key = this.lockKey(resource);
    return (await this.releases.call([key, key + this.queueSuffix, key + this.dueSuffix], [token, this.handOffChannel])) === 1;
  }

  /** Redlock: raises the fence counter to `fencingToken` while we own the lock here. */
  async raiseFence(resource: string, token: string, fencingToken: number): Promise<boolean> {
    const key = this.lockKey(resource);
    return (await this.raises.call([key, this.fenceKey(key)], [token, fencingToken])) === 1;
  }

  async isLocked(resource: string): Promise<boolean> {
    const key = this.lockKey(resource);
    return (await this.connection.run((redis) => redis.exists(key), this.budget)) === 1;
  }

  async forceRelease(resource: string): Promise<boolean> {
    const key = this.lockKey(resource);
    return (await this.connection.run((redis) => redis.del(key), this.budget)) === 1;
  }
}
