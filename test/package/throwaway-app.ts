import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from './pack.js';

const run = promisify(execFile);
const APPS = new URL('./apps/', import.meta.url).pathname;

/**
 * A Nest app created outside the repository from `test/package/apps/<name>` (plus the shared
 * sources when asked), with the packed tarball installed from disk and every other package
 * from the registry, as a user would install them. `npm install` must succeed with the
 * declared peers: no `--legacy-peer-deps`.
 */
export class ThrowawayApp {
  private process?: ChildProcess;
  private output = '';

  private constructor(readonly dir: string) {}

  static async install(name: string, tarball: string, options: { shared?: boolean } = {}): Promise<ThrowawayApp> {
    const dir = mkdtempSync(join(tmpdir(), `rediskit-app-${name}-`));
    if (options.shared) cpSync(join(APPS, 'shared'), dir, { recursive: true });
    cpSync(join(APPS, name), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    manifest.dependencies['nestjs-rediskit'] = `file:${tarball}`;
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    const app = new ThrowawayApp(dir);
    await app.exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
    return app;
  }

  /** Type-checks and compiles the app with its own TypeScript against the shipped `.d.ts`. */
  compile(): Promise<string> {
    return this.exec(process.execPath, [join(this.dir, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  }

  /** Runs the compiled `dist/main.js` with `node` and resolves with its URL once it listens. */
  start(env: Record<string, string>, node = process.execPath): Promise<string> {
    const child = spawn(node, ['dist/main.js'], { cwd: this.dir, env: childEnv({ PORT: '0', ...env }) });
    this.process = child;
    child.stdout.on('data', (d) => (this.output += d));
    child.stderr.on('data', (d) => (this.output += d));
    return new Promise((resolve, reject) => {
      const onData = () => {
        const url = /listening on (http:\/\/\S+)/.exec(this.output)?.[1];
        if (url) resolve(url);
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`app exited with ${code} before listening:\n${this.output}`)));
    });
  }

  /** The version of `name` npm installed for the app. */
  installedVersion(name: string): string {
    return JSON.parse(readFileSync(join(this.dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  }

  /** What the app printed so far. */
  get log(): string {
    return this.output;
  }

  /** Stops the app (SIGTERM) and waits for it to exit; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const child = this.process;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async exec(file: string, args: string[]): Promise<string> {
    try {
      const { stdout } = await run(file, args, { cwd: this.dir, env: childEnv(), maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`${[file, ...args].join(' ')} failed in ${this.dir}:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  }
}
