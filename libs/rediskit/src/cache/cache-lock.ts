import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../connection/redis-connection.js';
import { cacheUnlockScript } from './cache-unlock.lua.js';

/**
 * The short lock behind `getOrSet(..., { lock: true })`: SET NX PX, released by a
 * compare-and-delete script so an instance never frees a lock another instance took after
 * its own expired. It only bounds duplicate loads; correctness never depends on it (a lost
 * lock means one more loader call, not a wrong value).
 */
export class CacheLock {
  constructor(
    private readonly connection: RedisConnection,
    private readonly budget = connection.commandTimeout,
  ) {}

  /** A token on success, `undefined` when another instance holds the lock. */
  async acquire(lockKey: string, ttlMs: number): Promise<string | undefined> {
    const token = randomBytes(12).toString('base64url');
    const ok = await this.connection.run((c) => c.set(lockKey, token, 'PX', ttlMs, 'NX'), this.budget);
    return ok === 'OK' ? token : undefined;
  }

  async release(lockKey: string, token: string): Promise<void> {
    await this.connection.script(cacheUnlockScript, [lockKey], [token], this.budget);
  }

  async isHeld(lockKey: string): Promise<boolean> {
    return (await this.connection.run((c) => c.exists(lockKey), this.budget)) === 1;
  }
}
