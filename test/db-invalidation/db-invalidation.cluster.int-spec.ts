import { describe } from '@jest/globals';
import { cluster, dbInvalidationBehaviour } from './db-invalidation-behaviour.js';
import { pgliteFixture } from './db-fixtures.js';

describe('Database invalidation on PGlite, the cache and the lease on a 3-master cluster', () => {
  dbInvalidationBehaviour(pgliteFixture, 'dc', cluster);
});
