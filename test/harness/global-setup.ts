import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One directory per test run: workers inherit the variable, the teardown reaps what is in it.
export default function globalSetup(): void {
  const dir = join(tmpdir(), `rediskit-test-${process.pid}-${Date.now()}`);
  mkdirSync(join(dir, 'pids'), { recursive: true });
  process.env.REDISKIT_TEST_RUN_DIR = dir;
}
