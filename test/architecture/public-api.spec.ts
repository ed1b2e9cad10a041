import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { indexProgram } from './index-program.js';

const REPO = new URL('../../', import.meta.url).pathname;

/** The names `libs/rediskit/src/index.ts` exports, as the compiler sees them. */
function exportedNames(): string[] {
  const { checker, index } = indexProgram();
  const module = checker.getSymbolAtLocation(index)!;
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
