import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo.config.js';
import { Database, openDatabase } from './database.js';
import { migrateAndSeed } from './schema.js';

/** Opens the database at boot, creates and seeds the tables, closes it on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [DEMO_CONFIG],
      useFactory: async (config: DemoConfig) => {
        const db = await openDatabase({ url: config.databaseUrl, dir: config.dbDir });
        await migrateAndSeed(db);
        return db;
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
