import { describe } from '@jest/globals';
import { dbInvalidationBehaviour } from './db-invalidation-behaviour.js';
import { pgliteFixture } from './db-fixtures.js';

describe('Database invalidation on PGlite', () => {
  dbInvalidationBehaviour(pgliteFixture, 'dl');
});
