import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';

const SRC = new URL('../../libs/rediskit/src/', import.meta.url).pathname;

/** The capability folders: those of libs/rediskit/src holding a `*.capability.ts`. */
function capabilityFolders(): string[] {
  return readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(`${SRC}${entry.name}`).some((f) => f.endsWith('.capability.ts')))
    .map((entry) => entry.name)
    .sort();
}

const exported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The `*_DEFAULTS` constants a file declares (exported or not), and the functions it exports. */
function declarations(path: string): { defaults: { name: string; exported: boolean }[]; functions: string[]; source: string } {
  const source = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true);
  const defaults: { name: string; exported: boolean }[] = [];
  const functions: string[] = [];
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && exported(statement)) functions.push(statement.name.text);
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      if (d.name.text.endsWith('_DEFAULTS')) defaults.push({ name: d.name.text, exported: exported(statement) });
      const init = d.initializer;
      if (exported(statement) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) functions.push(d.name.text);
    }
  }
  return { defaults, functions, source };
}

/** What keeps `folder` from the one defaults mechanism (empty: it complies). */
function problems(folder: string): string[] {
  const found: string[] = [];
  const settingsFile = `${folder}.settings.ts`;
  const files = readdirSync(`${SRC}${folder}`).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  if (!files.includes(settingsFile)) found.push(`no ${settingsFile}`);
  for (const file of files) {
    const { defaults, functions, source } = declarations(`${SRC}${folder}/${file}`);
    for (const d of defaults) {
      if (file.endsWith('.options.ts')) found.push(`${file} declares ${d.name} (defaults live in ${settingsFile})`);
      else if (d.exported && file !== settingsFile) found.push(`${file} exports ${d.name} (defaults live in ${settingsFile})`);
    }
    if (file.endsWith('.settings.ts') && !functions.some((name) => /^resolve\w*Settings$/.test(name))) found.push(`${file} exports no resolve…Settings function`);
    // Defaults are applied once, by the resolver, not again where the settings are used.
    const inline = file.endsWith('.settings.ts') ? null : /\?\?\s*[A-Z][A-Z0-9_]*_DEFAULTS\b/.exec(source);
    if (inline) found.push(`${file} applies a default inline: "${inline[0]}" (read it from the resolved settings)`);
  }
  return found.map((p) => `${folder}/${p}`);
}

describe('Capability settings: one defaults mechanism', () => {
  const folders = capabilityFolders();

  it('finds the capability folders on disk', () => {
    expect(folders).toEqual(expect.arrayContaining(['cache', 'geo', 'lock', 'pubsub', 'rate-limit', 'reservation', 'session']));
  });

  it.each(folders)('%s resolves its options in its settings file', (folder) => {
    expect(problems(folder)).toEqual([]);
  });
});
