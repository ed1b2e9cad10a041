import { expect } from '@jest/globals';
import { relative } from 'node:path';
import { ACL_SUITES } from './acl-suites.js';

// Set per test file, since a worker runs many: the harness reads REDISKIT_TEST_ACL whenever it
// starts a server.
const root = new URL('../../', import.meta.url).pathname;
const testPath = expect.getState().testPath;
if (testPath && ACL_SUITES.includes(relative(root, testPath))) process.env.REDISKIT_TEST_ACL = '1';
else delete process.env.REDISKIT_TEST_ACL;
