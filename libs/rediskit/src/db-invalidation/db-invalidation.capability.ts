import { defineCapability } from '../capability.js';
import { DatabaseInvalidationOptionsDto } from './db-invalidation.options.js';
import { DatabaseInvalidationService } from './db-invalidation.service.js';

/** Cache invalidation from PostgreSQL writes: `DatabaseInvalidationService`. */
export const databaseInvalidationCapability = defineCapability({
  section: 'databaseInvalidation',
  optionsDto: DatabaseInvalidationOptionsDto,
  providers: [DatabaseInvalidationService],
});
