import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Database } from '../database/database.js';

/** Terminus indicator for the demo's database (`SELECT 1`). */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly db: Database,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'database') {
    const check = this.health.check(key);
    try {
      await this.db.query('SELECT 1');
      return check.up({ kind: this.db.kind });
    } catch (error) {
      return check.down({ kind: this.db.kind, message: (error as Error).message });
    }
  }
}
