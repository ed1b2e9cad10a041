import ts from 'typescript';

/** The library's source folder. */
export const SRC = new URL('../../libs/rediskit/src/', import.meta.url).pathname;

/** A TypeScript program over `libs/rediskit/src/index.ts`, with the compiler options of the build. */
export function indexProgram(): { program: ts.Program; checker: ts.TypeChecker; index: ts.SourceFile } {
  const file = `${SRC}index.ts`;
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });
  return { program, checker: program.getTypeChecker(), index: program.getSourceFile(file)! };
}
