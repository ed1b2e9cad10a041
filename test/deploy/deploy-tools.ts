import { spawnSync } from 'node:child_process';

export const root = new URL('../../', import.meta.url).pathname;

/** The path of `name` on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * Whether a deploy test can run: its tools are installed, or REDISKIT_REQUIRE_DEPLOY_TOOLS is
 * set (CI, where `.ci/run` installs them), in which case it runs and fails on what is missing
 * (call {@link assertTools} first thing). Without the tools and without the variable the test
 * is skipped with a notice that says what to install.
 */
export function deployTools(names: string[], what: string, install: string): { run: boolean; missing: string[] } {
  const missing = names.filter((n) => !findTool(n));
  const required = !!process.env.REDISKIT_REQUIRE_DEPLOY_TOOLS;
  if (missing.length && !required) console.warn(`Skipping ${what}: ${missing.join(', ')} not found (${install}).`);
  return { run: missing.length === 0 || required, missing };
}

/** Fails with a clear message when a required tool is missing (REDISKIT_REQUIRE_DEPLOY_TOOLS). */
export function assertTools(tools: { missing: string[] }, install: string): void {
  if (tools.missing.length) throw new Error(`REDISKIT_REQUIRE_DEPLOY_TOOLS is set but ${tools.missing.join(', ')} is missing (${install})`);
}

/** Runs a command in the repository root; returns its exit code and output. */
export function run(command: string, args: string[], options: { cwd?: string; input?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: options.cwd ?? root, input: options.input, encoding: 'utf8', timeout: 120_000, maxBuffer: 32 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout ?? '', stderr: (result.stderr ?? '') + (result.error ? String(result.error) : '') };
}
