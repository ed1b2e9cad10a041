import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

import { indexProgram, SRC } from './index-program.js';

/**
 * Every optional option a user can set, reached from the exported `*Options` types (the
 * module options with every capability's section merged in, and the per-call options),
 * as `Type.path`, with whether its TSDoc has a `@default` tag.
 */
function optionalOptions(): { path: string; documented: boolean }[] {
  const { checker, index: indexFile } = indexProgram();
  const index = checker.getSymbolAtLocation(indexFile)!;
  const ours = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(SRC);
  const found: { path: string; documented: boolean }[] = [];
  const seen = new Set<ts.Type>();
  const listed = new Set<ts.Declaration>();

  // A type whose options are listed one by one: an object type declared in the library.
  const optionsObject = (type: ts.Type) =>
    type.getCallSignatures().length === 0 &&
    !checker.isArrayType(type) &&
    (type.getSymbol()?.getDeclarations() ?? []).some((d) => ours(d) && !ts.isClassDeclaration(d));
  const parts = (type: ts.Type) => (type.isUnion() ? type.types : [type]);

  const walk = (type: ts.Type, path: string): void => {
    for (const part of parts(type).filter(optionsObject)) {
      if (seen.has(part)) continue;
      seen.add(part);
      for (const property of part.getProperties()) {
        const declaration = property.valueDeclaration;
        if (!declaration || !ours(declaration) || !ts.isPropertySignature(declaration)) continue;
        const name = `${path}.${property.getName()}`;
        const type = checker.getNonNullableType(checker.getTypeOfSymbol(property));
        // A group of options (`cache.lock`) has no default of its own: its members do.
        const group = parts(type).every(optionsObject);
        if (declaration.questionToken && !group && !listed.has(declaration)) {
          listed.add(declaration);
          found.push({ path: `${name} (${declaration.getSourceFile().fileName.slice(SRC.length)}:${declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart()).line + 1})`, documented: ts.getJSDocTags(declaration).some((t) => t.tagName.text === 'default') });
        }
        walk(type, name);
      }
    }
  };
  for (const symbol of checker.getExportsOfModule(index)) {
    if (!symbol.getName().endsWith('Options')) continue;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    if (target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) walk(checker.getDeclaredTypeOfSymbol(target), symbol.getName());
  }
  return found;
}

describe('options', () => {
  it('say their default in TSDoc (`@default`), each in the one place it is declared', () => {
    const options = optionalOptions();
    expect(options.length).toBeGreaterThan(150);
    expect(options.filter((o) => !o.documented).map((o) => o.path)).toEqual([]);
  }, 120_000);
});
