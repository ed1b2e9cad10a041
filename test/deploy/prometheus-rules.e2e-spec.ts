import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertTools, deployTools, root, run } from './deploy-tools.js';

const INSTALL = 'apt-get install prometheus';
const tools = deployTools(['promtool'], 'the promtool checks of deploy/prometheus', INSTALL);
const dir = join(root, 'deploy/prometheus');

(tools.run ? describe : describe.skip)('deploy/prometheus with promtool', () => {
  beforeAll(() => assertTools(tools, INSTALL));

  const promtool = (...args: string[]) => {
    const result = run('promtool', args, { cwd: dir });
    if (result.code !== 0) throw new Error(`promtool ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout + result.stderr;
  };

  it('prometheus.yml is a valid configuration (its rule file included)', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: prometheus.yml is valid/);
  });

  it('alerts.yml is valid', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the unit tests of alerts.test.yml pass', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it('every alert has a test in which it fires', () => {
    const alerts = [...readFileSync(join(dir, 'alerts.yml'), 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    const tests = readFileSync(join(dir, 'alerts.test.yml'), 'utf8');
    // An alertname followed by exp_alerts with at least one entry (exp_labels), before the next case.
    const firing = new Set([...tests.matchAll(/alertname: (\w+)\n\s*exp_alerts:\n\s*- exp_labels/g)].map((m) => m[1]));
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    expect(alerts.filter((a) => !firing.has(a))).toEqual([]);
  });

  it('a broken rule makes the tests fail (they are not vacuous)', () => {
    const original = readFileSync(join(dir, 'alerts.yml'), 'utf8');
    const broken = original.replace('increase(rediskit_lock_lost_total[5m])) > 0', 'increase(rediskit_lock_lost_total[5m])) > 5');
    expect(broken).not.toBe(original);
    const scratch = run('sh', ['-c', 'd=$(mktemp -d) && cat > "$d/alerts.yml" && cp alerts.test.yml "$d/" && cd "$d" && promtool test rules alerts.test.yml 2>&1; echo "exit $?"; rm -rf "$d"'], { cwd: dir, input: broken });
    expect(scratch.stdout).toMatch(/RediskitLockLost/);
    expect(scratch.stdout).toMatch(/exit 1/);
  });
});
