import { randomBytes } from 'node:crypto';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** How often an instance re-reads the shared secret (it adopts a changed one, restores a lost one). */
export const PARTITION_SECRET_REFRESH_MS = 60_000;

/**
 * The secret of the keyed hash (HMAC-SHA256) that turns a rate-limit partition (`route|ip:…`,
 * `route|user:…`) into its Redis key, so someone who can read Redis cannot recover client
 * addresses or user ids by hashing guesses. Either configured (`rateLimit.keySecret`, the same
 * on every instance) or shared through Redis: the first instance to ask installs a random one
 * (SET NX) and every other adopts it, read at first use and re-read every minute.
 *
 * While Redis cannot be asked the first time, partitions are hashed with a per-process random
 * secret; such a request is decided by the failure policy anyway.
 *
 * @example
 * const secret = new PartitionSecret((candidate) => limiter.runScript(keySecretScript, [key], [candidate]));
 * createHmac('sha256', await secret.get()).update(partition)
 */
export class PartitionSecret {
  private readonly logger = new RediskitLogger('RateLimiter');
  private current?: Buffer;
  private loadedAt = 0;
  private loading?: Promise<Buffer>;
  private local?: Buffer;
  private warned = false;

  constructor(
    /** Stores `candidate` unless a secret is stored already; resolves with the stored one. */
    private readonly exchange: (candidate: string) => Promise<string | null>,
    /** A configured secret: used as is, Redis is never asked. */
    private readonly configured?: string,
    private readonly clock: () => number = Date.now,
  ) {
    if (configured !== undefined) this.current = Buffer.from(configured);
  }

  /** The secret to hash with now (synchronously once known). */
  get(): Buffer | Promise<Buffer> {
    if (this.current) {
      if (this.configured === undefined && this.clock() - this.loadedAt >= PARTITION_SECRET_REFRESH_MS) {
        // Refreshed in the background; a failed refresh keeps the secret and waits a period.
        this.load().catch(() => (this.loadedAt = this.clock()));
      }
      return this.current;
    }
    return this.load().catch((error: unknown) => {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn(`Could not read the shared rate-limit key secret (${(error as Error)?.message ?? error}); hashing partitions with a per-instance secret until it can be read`);
      }
      return (this.local ??= randomBytes(32));
    });
  }

  private load(): Promise<Buffer> {
    this.loading ??= (async () => {
      const candidate = this.current?.toString() ?? randomBytes(32).toString('base64url');
      const stored = await this.exchange(candidate);
      if (typeof stored !== 'string' || stored.length === 0) throw new Error('no secret stored');
      this.current = Buffer.from(stored);
      this.loadedAt = this.clock();
      this.warned = false;
      return this.current;
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }
}
