import { describe, expect, it } from '@jest/globals';
import { packedTarball } from '../package/pack.js';
import { checkDocSamples, docFiles, extractSamples, formatProblems } from './doc-samples.js';

// One tsc run covers the docs and a fixture with a known error, so the check proves it can fail.
const FIXTURE = 'test/docs/fixtures/samples.md';

describe('code samples in README.md and docs/', () => {
  it('every ```ts block type-checks (tsc --noEmit) against the built package', async () => {
    await packedTarball(); // packing builds libs/rediskit/dist, the declarations the samples see
    const result = checkDocSamples({ files: [...docFiles(), FIXTURE] });

    const fixture = result.problems.filter((p) => p.file === FIXTURE);
    expect(fixture.map((p) => p.line)).toEqual([14]);
    expect(fixture[0].errors.join('\n')).toMatch(/^test\/docs\/fixtures\/samples\.md:15:7 TS2322: /);
    expect(result.samples.filter((s) => s.file === FIXTURE).map((s) => s.skipped)).toEqual([false, false, true]);
    expect(result.samples.filter((s) => s.file === 'README.md').length).toBeGreaterThan(0);

    const docs = { problems: result.problems.filter((p) => p.file !== FIXTURE), otherErrors: result.otherErrors };
    if (docs.problems.length || docs.otherErrors.length) throw new Error(`Doc samples that do not type-check:\n\n${formatProblems(docs)}`);
  }, 300_000);

  it('reads ```ts blocks with the line of their first code line', () => {
    const md = ['# t', '```ts', 'a;', '```', '', '  ```typescript no-check', '  b;', '  ```', '````md', '```ts', 'not a block', '```', '````'].join('\n');
    expect(extractSamples(md, 'x.md')).toEqual([
      { file: 'x.md', line: 3, code: 'a;', skipped: false },
      { file: 'x.md', line: 7, code: 'b;', skipped: true },
    ]);
  });

  it('finds README.md and the pages below docs/', () => {
    const files = docFiles();
    expect(files[0]).toBe('README.md');
    expect(files.every((f) => f === 'README.md' || (f.startsWith('docs/') && f.endsWith('.md')))).toBe(true);
  });
});
