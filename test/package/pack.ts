import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../harness/index.js';

const REPO = new URL('../../', import.meta.url).pathname;

/** Environment for npm and node children: without Jest's ESM flags. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _omit, ...env } = process.env;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/**
 * Makes something in `dir` once, even when several Jest workers ask at the same time: the
 * worker that creates `dir` runs `make` and records its result; the others wait for it.
 */
export async function once(dir: string, make: (dir: string) => string): Promise<string> {
  const done = join(dir, 'made.txt');
  if (existsSync(done)) return readFileSync(done, 'utf8');
  try {
    mkdirSync(dir, { recursive: false });
  } catch {
    for (const deadline = Date.now() + 300_000; !existsSync(done); await sleep(200)) {
      if (Date.now() > deadline) throw new Error(`${dir} was never completed (an interrupted run?): delete it and run again`);
    }
    return readFileSync(done, 'utf8');
  }
  const made = make(dir);
  writeFileSync(done, made);
  return made;
}

/** `npm pack <spec>` into `dir`; returns the tarball's path. */
export function npmPack(args: string[], dir: string, cwd = REPO): string {
  const out = execFileSync('npm', ['pack', ...args, '--pack-destination', dir, '--json'], { cwd, env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  return join(dir, filename);
}

/** The tarball `npm pack -w nestjs-rediskit` makes (build included), made once per test run. */
export function packedTarball(): Promise<string> {
  return once(join(process.env.REDISKIT_TEST_RUN_DIR ?? tmpdir(), 'package'), (dir) => npmPack(['-w', 'nestjs-rediskit'], dir));
}
