import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where the docs' samples import the package from: the built package's declarations (paths
 * relative to the repository root), as a user's compiler sees them. Build first: the spec
 * packs the package, which builds it; on the command line run `npm run build`.
 */
export const PACKAGE_ENTRY_POINTS: Readonly<Record<string, string>> = {
  'nestjs-rediskit': 'libs/rediskit/dist/index.d.ts',
  'nestjs-rediskit/express-session': 'libs/rediskit/dist/express-session.d.ts',
  'nestjs-rediskit/throttler': 'libs/rediskit/dist/throttler.d.ts',
};

/**
 * Ambient declarations every sample may use without declaring them (written to the temporary
 * folder as a .d.ts; kept here rather than in a .ts file so they never leak into the project's
 * own type-check). Two kinds only:
 * - stand-ins for the reader's own application (a database, entities, a pager), so samples
 *   show rediskit's calls rather than plumbing;
 * - the injected rediskit services a short fragment calls (`cache`, `locks`...), so a
 *   two-line example needs no class around it.
 * A sample that declares or imports the same name shadows these.
 */
export const SAMPLE_GLOBALS = `
import type { Request } from 'express';
import type {
  CacheService,
  Keyspace,
  LockService,
  PubSubService,
  RateLimiterService,
  RedisRegistry,
  SessionService,
} from 'nestjs-rediskit';

declare global {
  // The reader's application.
  interface Post { id: string; authorId: string; title: string }
  interface User { id: string; email: string; name: string }
  interface Product { id: string; name: string; priceCents: number }
  interface Order { id: string; paid: boolean }
  interface Db {
    posts(authorId: string): Promise<Post[]>;
    insert(post: Post): Promise<void>;
    user: {
      find(id: string): Promise<User>;
      search(filter: object): Promise<User[]>;
      update(id: string, patch: Partial<User>): Promise<User>;
      delete(id: string): Promise<void>;
    };
    products: {
      find(id: string): Promise<Product>;
      page(page: number): Promise<Product[]>;
      update(id: string, patch: Partial<Product>): Promise<Product>;
    };
    orders: { find(id: string, options?: { signal?: AbortSignal }): Promise<Order> };
    query(sql: string, params: unknown[]): Promise<{ rowCount: number }>;
    chunks(day: string): Promise<string[]>;
    write(chunk: string): Promise<void>;
  }
  const db: Db;
  /** The application's root module (imports \`RedisModule\`). */
  class AppModule {}
  /** A request after authentication (Passport or SessionGuard filled \`user\`). */
  type AuthedRequest = Request & { user: { id: string } };
  interface Pager { notify(text: string): void; resolve(alert: string, node: string): void }
  interface AuditLog { write(text: string, event: object): void }
  /** A WebSocket or SSE connection to one user. */
  interface UserSocket { send(message: unknown): void }
  const socket: UserSocket;
  const userId: string;
  const lastSeenId: string;
  const signal: AbortSignal;

  // Injected rediskit services, for fragments outside a class.
  const cache: CacheService;
  const keyspace: Keyspace;
  const locks: LockService;
  const pubsub: PubSubService;
  const limiter: RateLimiterService;
  const sessions: SessionService;
  const registry: RedisRegistry;
}

export {};
`;

/** The info-string word that excludes one ```ts block from the check (use sparingly). */
export const SKIP_MARK = 'no-check';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One fenced ```ts block of a Markdown file. */
export interface DocSample {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the block's first code line. */
  line: number;
  code: string;
  skipped: boolean;
}

/** A block that does not type-check, with tsc's messages (`file:line` points into the Markdown). */
export interface SampleProblem {
  file: string;
  line: number;
  errors: string[];
}

export interface DocSamplesResult {
  samples: DocSample[];
  problems: SampleProblem[];
  /** tsc's messages about files that are not samples (the library itself, the globals). */
  otherErrors: string[];
}

/** README.md and every Markdown file below docs/, relative to `root`. */
export function docFiles(root = ROOT): string[] {
  const found = ['README.md'];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found;
}

/**
 * The ```ts (or ```typescript) blocks of a Markdown text. A block whose info string also holds
 * `no-check` (```` ```ts no-check ````) is returned with `skipped: true`.
 */
export function extractSamples(markdown: string, file: string): DocSample[] {
  const lines = markdown.split('\n');
  const samples: DocSample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j].trimStart();
      if (close.startsWith(fence[0].repeat(fence.length)) && close.replace(/[`~]/g, '').trim() === '') break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    if (lang === 'ts' || lang === 'typescript') {
      samples.push({ file, line: i + 2, code: body.join('\n'), skipped: rest.split(/\s+/).includes(SKIP_MARK) });
    }
    i = j;
  }
  return samples;
}

/**
 * Type-checks every ```ts block of README.md and docs/**\/*.md (or of `files`): each block
 * becomes a module of its own in a temporary folder, compiled with the project's compiler
 * options by `tsc --noEmit`, `nestjs-rediskit` imports resolved through
 * {@link PACKAGE_ENTRY_POINTS} and the declarations of {@link SAMPLE_GLOBALS} in scope.
 *
 * @example
 * const { problems } = checkDocSamples();
 * if (problems.length) console.error(formatProblems(problems));
 */
export function checkDocSamples(options: { root?: string; files?: string[] } = {}): DocSamplesResult {
  const root = options.root ?? ROOT;
  const files = options.files ?? docFiles(root);
  const samples = files.flatMap((f) => extractSamples(readFileSync(join(root, f), 'utf8'), f));
  const first = typeCheck(root, samples.filter((s) => !s.skipped));
  const problems = first.problems;
  let otherErrors = first.otherErrors;
  // tsc stops before type-checking when any file has a syntax error: check the rest again.
  if ([...problems.values()].some((errors) => errors.some((e) => / TS1\d{3}: /.test(e)))) {
    const again = typeCheck(root, samples.filter((s) => !s.skipped && !problems.has(s)));
    again.problems.forEach((errors, s) => problems.set(s, errors));
    otherErrors = again.otherErrors;
  }
  return {
    samples,
    problems: samples.filter((s) => problems.has(s)).map((s) => ({ file: s.file, line: s.line, errors: problems.get(s)! })),
    otherErrors,
  };
}

/** One `tsc --noEmit` over `samples`, each a module of its own in a temporary folder. */
function typeCheck(root: string, samples: DocSample[]): { problems: Map<DocSample, string[]>; otherErrors: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rediskit-doc-samples-'));
  try {
    // ESM like a Nest 12 app (top-level await allowed); packages resolve from the repository.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'), 'dir');
    mkdirSync(join(dir, 'samples'));
    writeFileSync(join(dir, 'sample-globals.d.ts'), SAMPLE_GLOBALS);
    const byPath = new Map<string, DocSample>();
    samples.forEach((s, n) => {
      const name = `samples/${String(n).padStart(3, '0')}-${s.file.replace(/[^A-Za-z0-9]+/g, '_')}-L${s.line}.ts`;
      // `export {}` keeps every block a module of its own: blocks never see each other's names.
      writeFileSync(join(dir, name), `${s.code}\nexport {};\n`);
      byPath.set(resolve(dir, name), s);
    });
    const paths = Object.fromEntries(Object.entries(PACKAGE_ENTRY_POINTS).map(([k, v]) => [k, [join(root, v)]]));
    const tsconfig = {
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { noEmit: true, rootDir: '/', declaration: false, sourceMap: false, incremental: false, paths },
      files: [join(dir, 'sample-globals.d.ts'), ...byPath.keys()],
      include: [], // only the samples: not the project files the base config includes
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw run.error;

    const problems = new Map<DocSample, string[]>();
    const otherErrors: string[] = [];
    // One diagnostic per line `path(line,col): error TSnnnn: text`, continuation lines indented.
    let current = otherErrors;
    for (const text of `${run.stdout}${run.stderr}`.split('\n')) {
      const head = /^(.+?)\((\d+),(\d+)\): (?:error|warning) (TS\d+: .*)$/.exec(text);
      const sample = head && byPath.get(resolve(dir, head[1]));
      if (head && sample) {
        current = problems.get(sample) ?? [];
        problems.set(sample, current);
        current.push(`${sample.file}:${sample.line + Number(head[2]) - 1}:${head[3]} ${head[4]}`);
      } else if (head || !text.startsWith(' ')) {
        current = otherErrors;
        if (text.trim()) otherErrors.push(text);
      } else {
        current.push(text);
      }
    }
    if (run.status !== 0 && problems.size === 0 && otherErrors.length === 0) otherErrors.push(`tsc exited with ${run.status}`);
    return { problems, otherErrors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One paragraph per failing block: `file:line` of the block, then each tsc error. */
export function formatProblems(result: Pick<DocSamplesResult, 'problems' | 'otherErrors'>): string {
  const parts = result.problems.map((p) => [`${p.file}:${p.line} (the \`\`\`ts block starting here)`, ...p.errors.map((e) => `  ${e}`)].join('\n'));
  if (result.otherErrors.length) parts.push(['outside the samples:', ...result.otherErrors.map((e) => `  ${e}`)].join('\n'));
  return parts.join('\n\n');
}

// `node --import @swc-node/register/esm-register test/docs/doc-samples.ts [file.md ...]`
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const files = process.argv.slice(2).map((f) => relative(ROOT, resolve(f)));
  const result = checkDocSamples(files.length ? { files } : {});
  const skipped = result.samples.filter((s) => s.skipped).length;
  if (result.problems.length || result.otherErrors.length) {
    console.error(formatProblems(result));
    console.error(`\n${result.problems.length} of ${result.samples.length - skipped} blocks do not type-check.`);
    process.exitCode = 1;
  } else {
    console.log(`${result.samples.length - skipped} \`\`\`ts blocks type-check (${skipped} marked ${SKIP_MARK}).`);
  }
}
