/** Native ESM Jest (Nest 12 is ESM-only): run with NODE_OPTIONS=--experimental-vm-modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^nestjs-rediskit$': '<rootDir>/libs/rediskit/src/index.ts',
    '^nestjs-rediskit/(express-session|throttler|prisma)$': '<rootDir>/libs/rediskit/src/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/harness/acl-mode.ts', '<rootDir>/test/harness/retry-flaky.ts', '<rootDir>/test/harness/release-async-context.ts'],
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 60000,
  // One test file at a time (timing-sensitive suites share 2 cores with their redis-servers), in a
  // worker that is replaced once a file leaves it above this size (heap in use): each file's module graph stays
  // on the heap (about 25-50 MB per file), and in one process every later file ran 2-4x slower.
  maxWorkers: 1,
  workerIdleMemoryLimit: '500MB',
};
