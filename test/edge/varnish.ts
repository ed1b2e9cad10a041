import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, freePort, spawnTracked, waitFor, workDir } from '../harness/processes.js';

const root = new URL('../../', import.meta.url).pathname;
export const INSTALL = 'apt-get install -y varnish varnish-modules';

/** Whether varnishd is on PATH (or in /usr/sbin, where Debian puts it). */
export function findVarnishd(): string | undefined {
  const found = spawnSync('sh', ['-c', 'PATH="$PATH:/usr/sbin" command -v varnishd'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * A real varnishd (Debian's) in front of `backendPort`, with deploy/varnish/default.vcl as
 * shipped (only the backend port replaced), in its own work dir on a free port, in the
 * foreground as a child of the test (`-j none`: no privilege separation, it runs as the test's
 * user), with a small malloc storage.
 */
export class VarnishFixture {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(varnishd: string, backendPort: number): Promise<VarnishFixture> {
    const dir = workDir('varnish');
    const vcl = join(dir, 'default.vcl');
    const shipped = readFileSync(join(root, 'deploy/varnish/default.vcl'), 'utf8');
    if (!shipped.includes('.port = "3000";')) throw new Error('deploy/varnish/default.vcl no longer has the backend port this test replaces');
    writeFileSync(vcl, shipped.replace('.port = "3000";', `.port = "${backendPort}";`));
    // Compile first: a missing xkey vmod (varnish-modules) is then named clearly.
    const compiled = spawnSync(varnishd, ['-C', '-j', 'none', '-n', join(dir, 'compile'), '-f', vcl], { encoding: 'utf8' });
    if (compiled.status !== 0) throw new Error(`varnishd cannot compile deploy/varnish/default.vcl (is varnish-modules installed? ${INSTALL}):\n${compiled.stderr.slice(-2000)}`);
    const port = await freePort();
    const child = spawnTracked(varnishd, ['-F', '-j', 'none', '-n', join(dir, 'n'), '-a', `127.0.0.1:${port}`, '-T', '127.0.0.1:0', '-f', vcl, '-s', 'malloc,32m', '-p', 'default_grace=0'], dir);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => child.exitCode === null && (await fetch(`${url}/`, { method: 'PURGE', headers: { xkey: 'warm-up' } })).status === 200, 20_000, `varnishd did not start:\n${output}`);
    return new VarnishFixture(child, url);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await exited(this.child);
  }
}
