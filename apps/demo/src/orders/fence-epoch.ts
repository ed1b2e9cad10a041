import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Keyspace, RedisRegistry } from 'nestjs-rediskit';
import { Database } from '../database/database.js';

/**
 * Lock fencing tokens are counters in Redis; the database remembers the highest token that
 * wrote each product. When Redis starts empty (a new throwaway server) while the database
 * persists (DATABASE_URL or DEMO_DB_DIR), the counters start again at 1 and every order would
 * be refused as stale. At boot, the first instance to see an empty Redis (SET NX of a marker)
 * resets the database's watermarks to match.
 */
@Injectable()
export class FenceEpoch implements OnApplicationBootstrap {
  private readonly logger = new Logger(FenceEpoch.name);

  constructor(
    private readonly registry: RedisRegistry,
    private readonly keyspace: Keyspace,
    private readonly db: Database,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const marker = this.keyspace.key('demo', 'fence-epoch');
    const fresh = await this.registry.get().run((redis) => redis.set(marker, String(Date.now()), 'NX'));
    if (fresh !== 'OK') return;
    const { affected } = await this.db.query('UPDATE products SET fence = 0 WHERE fence > 0');
    if (affected > 0) this.logger.warn(`Redis started empty: reset the fencing watermark of ${affected} product(s) to match its new lock counters`);
  }
}
