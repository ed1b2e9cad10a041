import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const DEPCRUISE = join(REPO, 'node_modules/.bin/depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the repository's import rules (.dependency-cruiser.cjs) on `libs/rediskit/src` under `cwd`. */
async function violationsIn(cwd: string): Promise<Violation[]> {
  const { stdout } = await run(DEPCRUISE, ['libs/rediskit/src', '--config', join(REPO, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' })); // exits non-zero on violations
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the import rules of the layers (docs/architecture.md)', () => {
  it('hold in the library: the core knows no capability, capabilities meet through public entries, no cycles', async () => {
    const violations = await violationsIn(REPO);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 120_000);

  it('catch each kind of violation (a tree that breaks every rule once)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rediskit-rules-'));
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    try {
      copyFileSync(join(REPO, 'tsconfig.json'), join(dir, 'tsconfig.json'));
      file('libs/rediskit/src/options/bad.ts', "import { x } from '../cache/cache.service.js';\nexport const y = x;\n");
      file('libs/rediskit/src/cache/cache.service.ts', 'export const x = 1;\n');
      file('libs/rediskit/src/cache/index.ts', "export { x } from './cache.service.js';\n");
      file('libs/rediskit/src/http-cache/deep.ts', "import { x } from '../cache/cache.service.js';\nexport const z = x;\n");
      file('libs/rediskit/src/scripts/up.ts', "import { c } from '../connection/c.js';\nexport const s = c;\n");
      file('libs/rediskit/src/connection/c.ts', "import { s } from '../scripts/up.js';\nexport const c = 1 + (s ? 0 : 0);\n");
      const rules = new Set((await violationsIn(dir)).map((v) => v.rule.name));
      expect([...rules]).toEqual(expect.arrayContaining(['core-knows-no-capability', 'capability-through-public-entry', 'core-layers-scripts', 'no-cycles']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
