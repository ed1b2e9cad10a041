import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { childEnv, packedTarball } from './pack.js';

const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const bin = (name: string) => `${REPO}node_modules/.bin/${name}`;

describe('the packed tarball, linted as the ecosystem lints packages', () => {
  it('ships the build, its types and maps, and no specs or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', await packedTarball()]);
    const files = stdout.trim().split('\n');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/index.js.map', 'dist/express-session.js', 'dist/throttler.js', 'dist/prisma.js', 'LICENSE', 'README.md', 'CHANGELOG.md']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /\.spec\.|int-spec|e2e-spec/.test(f))).toEqual([]);
  }, 120_000);

  it('publint finds nothing', async () => {
    const { stdout } = await run(bin('publint'), ['run', await packedTarball(), '--strict'], { env: childEnv() });
    expect(stdout).toContain('All good');
  }, 120_000);

  // Node ≥ 20.19 and TypeScript ≥ 5.8 (module nodenext) load an ESM package with require();
  // attw's bundled TypeScript predates that, so it reports CommonJS importers as "ESM only".
  it('@arethetypeswrong/cli finds no problem but require() of ESM', async () => {
    await expect(run(bin('attw'), [await packedTarball(), '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'], { env: childEnv() })).resolves.toBeDefined();
  }, 120_000);
});
