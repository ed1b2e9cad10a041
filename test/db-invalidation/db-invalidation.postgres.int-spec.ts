import { describe } from '@jest/globals';
import { dbInvalidationBehaviour } from './db-invalidation-behaviour.js';
import { postgresFixture, postgresReachable } from './db-fixtures.js';

// The local PostgreSQL server is optional: without it this variant is skipped (PGlite always runs).
const reachable = await postgresReachable();

(reachable ? describe : describe.skip)('Database invalidation on a PostgreSQL server', () => {
  dbInvalidationBehaviour(postgresFixture, 'dp');
});
