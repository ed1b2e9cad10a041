import { afterAll } from '@jest/globals';
import { context, propagation, trace } from '@opentelemetry/api';

// Jest runs every test file in one process on a 2-core machine. On Node 20 each entered
// AsyncLocalStorage (an OpenTelemetry context manager a test or the demo registered) keeps a
// hook running on every async operation until it is disabled, so later files would slow down.
afterAll(() => {
  context.disable();
  trace.disable();
  propagation.disable();
});
