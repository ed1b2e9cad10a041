import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_USER, aclUsers, commandsOf } from '../harness/acl-users.js';
import { root } from './deploy-tools.js';

const doc = readFileSync(join(root, 'docs/operations.md'), 'utf8');

describe('docs/operations.md', () => {
  it("shows the app user's command list as acl-users.json has it", () => {
    expect(doc).toContain('`' + commandsOf(APP_USER).join(' ') + '`');
  });

  it('names every ACL user and every alert', () => {
    for (const user of aclUsers()) expect(doc).toContain(`| \`${user.name}\` |`);
    const alerts = [...readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    const documented = [...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).filter((n) => /^(Rediskit|Redis)[A-Z]/.test(n));
    expect(documented.sort()).toEqual(alerts.sort());
  });

  it('is linked from docs/README.md', () => {
    expect(readFileSync(join(root, 'docs/README.md'), 'utf8')).toContain('(operations.md)');
  });
});
