import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/**
 * The integration suites of one topology (standalone) run as the least-privileged ACL user:
 * REDISKIT_TEST_ACL=1 makes every server start from deploy/redis/redis.conf and users.acl and
 * hand out URLs with rediskit-app's credentials, so a command missing from its list fails them.
 * The subset covers each capability that talks to Redis, the HTTP response cache, the guards and
 * the health monitor (INFO, SLOWLOG). Left out: suites that seed connections with bare
 * { host, port } (cluster, Sentinel, named connections) or compare with peer libraries.
 */
export const ACL_SUITES = [
  'test/deploy/acl-canary.acl-spec.ts',
  'test/cache/cache.standalone.int-spec.ts',
  'test/session/session.int-spec.ts',
  'test/rate-limit/standalone.int-spec.ts',
  'test/lock/lock.standalone.int-spec.ts',
  'test/pubsub/standalone.int-spec.ts',
  'test/geo/geo.standalone.int-spec.ts',
  'test/reservation/reservation.standalone.int-spec.ts',
  'test/idempotency/idempotency.standalone.e2e-spec.ts',
  'test/invalidation/invalidation.standalone.int-spec.ts',
  'test/health/health.int-spec.ts',
  'test/health/metrics.int-spec.ts',
  'test/http-cache/http-cache.e2e-spec.ts',
  'test/rate-limit/guard.e2e-spec.ts',
  'test/session/session-guard.e2e-spec.ts',
];
// session.int-spec runs on a cluster too; cluster nodes take { host, port } seeds without credentials.
const SKIP = '^(?!sessions on a 3-master cluster)';

interface JestJson {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

function runJest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the library as the least-privileged ACL user (users.acl rediskit-app)', () => {
  it('passes the standalone cache, HTTP cache, session, rate-limit, lock, pub/sub and health suites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rediskit-acl-run-'));
    try {
      const out = join(dir, 'results.json');
      const env: NodeJS.ProcessEnv = { ...process.env, REDISKIT_TEST_ACL: '1', NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning' };
      delete env.REDISKIT_TEST_RUN_DIR; // the child run has its own run directory and teardown
      delete env.JEST_WORKER_ID;
      const started = Date.now();
      const testMatch = ['**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.acl-spec.ts'];
      const { code, output } = await runJest([...ACL_SUITES, '--testMatch', ...testMatch, '-t', SKIP, '--json', '--outputFile', out, '--maxWorkers', '2'], env);
      const results = JSON.parse(readFileSync(out, 'utf8')) as JestJson;
      const failed = results.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${a.fullName}\n${a.failureMessages.join('\n').slice(0, 1500)}`));
      if (failed.length || code !== 0) throw new Error(`ACL run failed (exit ${code}):\n${failed.join('\n\n') || output.slice(-4000)}`);
      console.log(`ACL run: ${results.numPassedTests} tests passed in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(results.testResults.map((f) => f.name.slice(root.length)).sort()).toEqual([...ACL_SUITES].sort());
      // The canary ran (not skipped): the child really was in ACL mode.
      const canary = results.testResults.find((f) => f.name.endsWith('acl-canary.acl-spec.ts'))!.assertionResults;
      expect(canary.map((a) => a.status)).toEqual(['passed']);
      expect(results.numPassedTests).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
