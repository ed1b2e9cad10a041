import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertTools, deployTools, root, run } from './deploy-tools.js';

const INSTALL = 'apt-get install docker-compose';
// docker-compose (1.29, Python) brings python3-yaml, which reads its normalized output here.
const tools = deployTools(['docker-compose', 'python3'], 'the docker-compose checks of deploy/', INSTALL);
const COMPOSE = join(root, 'deploy/docker-compose.yml');
const PROFILES = ['standalone', 'ha', 'cluster', 'monitoring', 'tools'];

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  command?: string[] | string;
  environment?: Record<string, string>;
  /** docker-compose 1.29 prints `source:target[:mode]`; the long form is an object. */
  volumes?: (string | { type: string; source: string; target: string })[];
  networks?: Record<string, { aliases?: string[] } | null>;
}

function composeConfig(profile?: string): { services: Record<string, Service> } {
  const args = ['-f', COMPOSE, ...(profile ? ['--profile', profile] : []), 'config'];
  const result = run('docker-compose', args);
  if (result.code !== 0) throw new Error(`docker-compose ${args.join(' ')} failed:\n${result.stderr}`);
  const json = run('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: result.stdout });
  if (json.code !== 0) throw new Error(`reading the config as YAML failed:\n${json.stderr}`);
  return JSON.parse(json.stdout);
}

(tools.run ? describe : describe.skip)('deploy/docker-compose.yml', () => {
  let services: Record<string, Service>;

  beforeAll(() => {
    assertTools(tools, INSTALL);
    services = composeConfig().services;
  });

  it.each(PROFILES)('`docker-compose --profile %s config` validates', (profile) => {
    expect(Object.keys(composeConfig(profile).services).length).toBeGreaterThan(0);
  });

  it('puts every service in exactly one profile, with the topology each promises', () => {
    const byProfile: Record<string, string[]> = {};
    for (const [name, s] of Object.entries(services)) {
      expect({ name, profiles: s.profiles?.length }).toEqual({ name, profiles: 1 });
      (byProfile[s.profiles![0]] ??= []).push(name);
    }
    expect(Object.keys(byProfile).sort()).toEqual([...PROFILES].sort());
    const command = (n: string) => JSON.stringify(services[n].command ?? '');
    expect(byProfile.standalone.sort()).toEqual(['demo-standalone', 'redis']);
    // ha: 1 master, 2 replicas of it, 3 sentinels
    expect(byProfile.ha.filter((n) => command(n).includes('--replicaof redis-master 6379'))).toHaveLength(2);
    expect(byProfile.ha.filter((n) => command(n).includes('--sentinel'))).toHaveLength(3);
    expect(byProfile.ha).toContain('redis-master');
    // cluster: 6 nodes and a one-shot job that creates the cluster with a replica per master
    expect(byProfile.cluster.filter((n) => command(n).includes('--cluster-enabled yes'))).toHaveLength(6);
    expect(command('redis-cluster-init')).toContain('--cluster-replicas 1');
    expect(byProfile.monitoring.sort()).toEqual(['grafana', 'prometheus', 'redis-exporter']);
    expect(byProfile.tools).toEqual(['redisinsight']);
  });

  it('pins every image to a version (no latest, no bare name), the demo image too', () => {
    const images = Object.entries(services).filter(([, s]) => s.image).map(([name, s]) => ({ name, image: s.image! }));
    expect(images.length).toBeGreaterThan(10);
    for (const { name, image } of images) {
      expect({ name, image, pinned: /^[\w./-]+:v?\d+(\.\d+)+[\w.-]*$/.test(image) && !/:latest$/.test(image) }).toEqual({ name, image, pinned: true });
    }
    const built = Object.values(services).filter((s) => s.build);
    expect(built).toHaveLength(3);
    for (const s of built) {
      const dockerfile = readFileSync(resolve(s.build!.context, s.build!.dockerfile), 'utf8');
      for (const [, image] of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) expect(image).toMatch(/^[\w./-]+:\d+(\.\d+)+[\w.-]*$/);
    }
  });

  it('mounts files that exist: redis.conf, sentinel.conf, users.acl, the Prometheus and Grafana files', () => {
    const sources = Object.values(services).flatMap((s) => (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source)));
    const mounted = sources.filter((source) => source.startsWith('/')); // the others are named volumes
    const expected = ['redis/redis.conf', 'redis/sentinel.conf', 'redis/users.acl', 'prometheus/prometheus.yml', 'prometheus/alerts.yml', 'grafana/provisioning', 'grafana/dashboards'];
    for (const file of expected) expect(mounted).toContain(join(dirname(COMPOSE), file));
    for (const source of mounted) expect({ source, exists: existsSync(source) }).toEqual({ source, exists: true });
  });

  it('wires a demo to each topology through REDIS_* variables, all reachable as `demo` for Prometheus', () => {
    const env = (n: string) => services[n].environment ?? {};
    expect(env('demo-standalone')).toMatchObject({ REDIS_URL: 'redis://redis:6379', REDIS_USERNAME: 'rediskit-demo' });
    expect(env('demo-ha')).toMatchObject({ REDIS_SENTINELS: 'sentinel-1:26379,sentinel-2:26379,sentinel-3:26379', REDIS_SENTINEL_NAME: 'rediskit', REDIS_USERNAME: 'rediskit-demo' });
    expect(env('demo-ha').REDIS_SENTINEL_PASSWORD).toBeTruthy();
    expect(env('demo-cluster')).toMatchObject({ REDIS_CLUSTER_NODES: expect.stringContaining('redis-node-1:6379'), REDIS_USERNAME: 'rediskit-demo' });
    for (const n of ['demo-standalone', 'demo-ha', 'demo-cluster']) {
      expect(env(n).REDIS_PASSWORD).toBe('rediskit-demo-dev-password');
      expect(services[n].networks?.default?.aliases).toContain('demo');
    }
    expect(readFileSync(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8')).toContain('"demo:3000"');
  });

  it('uses the ACL users of users.acl and the development passwords of acl-users.json', () => {
    const acl = JSON.parse(readFileSync(join(root, 'deploy/redis/acl-users.json'), 'utf8')) as { sentinelDevPassword: string; users: { name: string; devPassword?: string }[] };
    const password = (name: string) => acl.users.find((u) => u.name === name)!.devPassword;
    expect(services['redis-master'].environment).toMatchObject({ REDIS_REPLICA_PASSWORD: password('rediskit-replica'), REDIS_OPS_PASSWORD: password('rediskit-ops') });
    expect(services['sentinel-1'].environment).toMatchObject({ REDIS_SENTINEL_AUTH_PASSWORD: password('rediskit-sentinel'), REDIS_SENTINEL_PASSWORD: acl.sentinelDevPassword });
    expect(services['redis-exporter'].environment).toMatchObject({ REDIS_USER: 'rediskit-exporter', REDIS_PASSWORD: password('rediskit-exporter') });
    expect(readFileSync(join(root, 'deploy/redis/redis.conf'), 'utf8')).toMatch(/^masteruser rediskit-replica$/m);
    expect(readFileSync(join(root, 'deploy/redis/sentinel.conf'), 'utf8')).toMatch(/^sentinel auth-user rediskit rediskit-sentinel$/m);
  });
});
