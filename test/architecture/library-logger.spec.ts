import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = new URL('../../libs/rediskit/src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : []));
}

describe("the library's log lines", () => {
  it('are written through RediskitLogger, which adds the request id (no bare Nest Logger)', () => {
    const bare = sources(SRC).filter((file) => /new Logger\(|Logger\.(log|warn|error|debug|verbose|fatal)\(/.test(readFileSync(file, 'utf8')));
    expect(bare.map((f) => f.slice(SRC.length))).toEqual([]);
    expect(sources(SRC).filter((file) => readFileSync(file, 'utf8').includes('new RediskitLogger(')).length).toBeGreaterThan(10);
  });
});
