import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const REPO = new URL('../../', import.meta.url).pathname;

/** The names `libs/rediskit/src/index.ts` exports, as the compiler sees them. */
function exportedNames(): string[] {
  const file = `${REPO}libs/rediskit/src/index.ts`;
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(module).map((s) => s.getName()).sort();
}

/** The names docs/api.md lists under its sections (the subpaths' lines above them excluded). */
function documentedNames(): string[] {
  const text = readFileSync(`${REPO}docs/api.md`, 'utf8');
  const sections = text.slice(text.indexOf('\n## '));
  return [...sections.matchAll(/`([A-Za-z_][\w]*)`/g)].map((m) => m[1]).sort();
}

describe('the public API', () => {
  it('is exactly what docs/api.md lists', () => {
    expect(exportedNames()).toEqual(documentedNames());
  }, 120_000);

  it('exports no internals', () => {
    const names = exportedNames();
    for (const internal of ['RedisConnectionMetrics', 'MemoryRateLimiter', 'scanKeys', 'unlinkMatching', 'HEALTH_DEFAULTS', 'CONNECTION_DEFAULTS', 'stableHash', 'encodeKeyPart', 'validateModuleOptions']) {
      expect(names).not.toContain(internal);
    }
  }, 120_000);
});
