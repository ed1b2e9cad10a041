import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Kills any redis-server a crashed or killed worker left behind, then removes the run directory.
export default function globalTeardown(): void {
  const dir = process.env.REDISKIT_TEST_RUN_DIR;
  if (!dir) return;
  for (const pid of safeList(join(dir, 'pids'))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
