import { jest } from '@jest/globals';

// Integration tests run real servers on a shared 2-core machine: a test that lost a race with
// the scheduler (a failover, a bus message) runs again, and the first failure is still printed.
jest.retryTimes(2, { logErrorsBeforeRetry: true });
