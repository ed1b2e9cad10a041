import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_USER, aclUser, commandsOf, devPassword, OPS_USER, REDIS_CONF, renderAclFile, USERS_ACL } from '../harness/acl-users.js';
import { MASTER_NAME, RedisServer, SentinelFixture, waitFor } from '../harness/index.js';

const root = new URL('../../', import.meta.url).pathname;
const auth = (name: string) => ({ username: name, password: devPassword(name) });

/** Every file below `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

// Commands any authenticated client may send whatever its ACL (Redis flags them no-auth).
const ALWAYS_ALLOWED = ['auth', 'hello', 'quit', 'reset'];

describe('deploy/redis: the ACL list', () => {
  it('users.acl is the file rendered from acl-users.json', () => {
    // Regenerate with: node --import @swc-node/register/esm-register test/harness/acl-users.ts --write
    expect(readFileSync(USERS_ACL, 'utf8')).toBe(renderAclFile());
  });

  it("lists every command the library's Lua scripts and raw calls send", () => {
    const sources = files(join(root, 'libs/rediskit/src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    const used = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/redis\.p?call\('([A-Za-z]+)'/g)) used.add(m[1].toLowerCase());
      // client.call('SLOWLOG', 'GET') and the like: command and subcommand.
      for (const m of text.matchAll(/\.call\('([A-Z]+)', '([A-Z-]+)'/g)) used.add(`${m[1]}|${m[2]}`.toLowerCase());
    }
    // SENTINEL goes to the sentinels (their own password), not to the data nodes users.acl guards.
    used.delete('sentinel|get-master-addr-by-name');
    expect(used.size).toBeGreaterThan(20); // the scan found the scripts
    const listed = new Set(commandsOf(APP_USER));
    expect([...used].filter((c) => !listed.has(c)).sort()).toEqual([]);
  });
});

describe('deploy/redis/redis.conf with users.acl on a real server', () => {
  let server: RedisServer;
  let app: Redis;

  beforeAll(async () => {
    server = await RedisServer.start([], { configFile: REDIS_CONF, name: 'deploy-conf' });
    app = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await app.connect();
  });
  afterAll(async () => {
    app?.disconnect();
    await server?.stop();
  });

  const config = async (name: string) => (await server.cli('CONFIG', 'GET', name)).split('\n')[1];

  it('runs with the production settings: AOF everysec plus RDB, noeviction under a maxmemory, protected mode', async () => {
    expect(await config('appendonly')).toBe('yes');
    expect(await config('appendfsync')).toBe('everysec');
    expect(await config('save')).toBe('3600 1 300 100 60 10000');
    expect(await config('maxmemory-policy')).toBe('noeviction');
    expect(Number(await config('maxmemory'))).toBe(1024 ** 3);
    expect(await config('protected-mode')).toBe('yes');
    expect(await config('enable-debug-command')).toBe('no');
    expect(await config('aclfile')).toBe(USERS_ACL);
    // The AOF really is written: a write shows up in the append-only directory.
    await app.set('rk:deploy:aof', 'x');
    await waitFor(() => readdirSync(join(server.dir, 'appendonlydir')).some((f) => f.endsWith('.incr.aof')), 5000, 'the AOF files');
  });

  it('keeps what scripts and transactions wrote across a restart (AOF with the default user off)', async () => {
    // Multi-write scripts reach the AOF as MULTI/EXEC, which Redis re-checks against the default
    // user on load (see the default user in acl-users.json): sessions and locks are such writes.
    const id = Math.random().toString(36).slice(2);
    await app.call('EVAL', "redis.call('HSET', KEYS[1], 'u', '1'); redis.call('PEXPIRE', KEYS[1], 60000); redis.call('INCR', KEYS[2]); return 1", '2', `rk:aof:{${id}}:s`, `rk:aof:{${id}}:n`);
    await server.cli('EVAL', "redis.call('SET', KEYS[1], 'a'); redis.call('SET', KEYS[2], 'b'); return 1", '2', `rk:aof:${id}:a`, `rk:aof:${id}:b`);
    await server.restart();
    await waitFor(async () => (await app.ping().catch(() => '')) === 'PONG', 10_000, 'the app client to reconnect');
    expect(await app.hget(`rk:aof:{${id}}:s`, 'u')).toBe('1');
    expect(await app.pttl(`rk:aof:{${id}}:s`)).toBeGreaterThan(0);
    expect(await app.get(`rk:aof:{${id}}:n`)).toBe('1');
    expect(await server.cli('MGET', `rk:aof:${id}:a`, `rk:aof:${id}:b`)).toBe('a\nb');
  });

  it('refuses clients that do not authenticate (default user off)', async () => {
    await expect(server.cliAs(undefined, 'PING')).resolves.toMatch(/NOAUTH/);
    await expect(server.cliAs({ username: 'default', password: 'anything' }, 'PING')).resolves.toMatch(/NOAUTH|WRONGPASS/);
  });

  it('gives the app user exactly the commands of acl-users.json, nothing more', async () => {
    const ops = new Redis(server.port, { ...auth(OPS_USER), lazyConnect: true });
    await ops.connect();
    try {
      // Every command and subcommand the server knows, dry-run as the app user with arguments
      // inside its key and channel patterns (`rk:*` is a key and a channel under them, and the
      // literal channel pattern PSUBSCRIBE needs): what remains allowed is its command list.
      const table = (await ops.call('COMMAND')) as [string, number, ...unknown[]][];
      const names: [string, number][] = [];
      for (const entry of table) {
        const subcommands = (entry[9] ?? []) as [string, number][];
        if (subcommands.length === 0) names.push([entry[0], entry[1]]);
        for (const sub of subcommands) names.push([sub[0], sub[1]]);
      }
      expect(names.length).toBeGreaterThan(300);
      const allowed: string[] = [];
      for (const [name, arity] of names) {
        const words = name.split('|');
        const args = Array.from({ length: Math.max(Math.abs(arity) - words.length, 0) }, () => 'rk:*');
        const answer = await ops.call('ACL', 'DRYRUN', APP_USER, ...words, ...args).catch((e: Error) => e.message);
        if (answer === 'OK') allowed.push(name);
        else expect(String(answer)).toMatch(/no permissions to run/);
      }
      expect(allowed.sort()).toEqual([...commandsOf(APP_USER), ...ALWAYS_ALLOWED].sort());
    } finally {
      ops.disconnect();
    }
  });

  it('refuses the app user dangerous commands, other keys and other channels', async () => {
    for (const command of [['FLUSHALL'], ['FLUSHDB'], ['KEYS', '*'], ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'GET', 'requirepass'], ['DEBUG', 'SLEEP', '0'], ['SHUTDOWN'], ['ACL', 'LIST'], ['MONITOR'], ['SCRIPT', 'FLUSH'], ['CLIENT', 'KILL', 'ID', '1'], ['REPLICAOF', 'NO', 'ONE'], ['BGSAVE'], ['SWAPDB', '0', '1'], ['MIGRATE', '127.0.0.1', '1', 'rk:a', '0', '10']]) {
      // DEBUG is refused before the ACL is asked (enable-debug-command no).
      await expect(app.call(command[0], ...command.slice(1))).rejects.toThrow(command[0] === 'DEBUG' ? /DEBUG command not allowed/ : /NOPERM/);
    }
    await expect(app.get('other:key')).rejects.toThrow(/NOPERM.*key/);
    await expect(app.publish('other:channel', 'x')).rejects.toThrow(/NOPERM.*channel/);
    // ...and lets it do its work on its own keys.
    await app.set('rk:deploy:k', 'v', 'PX', 10_000);
    await expect(app.get('rk:deploy:k')).resolves.toBe('v');
    await expect(app.call('EVAL', "return redis.call('INCR', KEYS[1])", '1', `rk:deploy:${Math.random()}`)).resolves.toBe(1);
    // A script may not reach past the user's rights either.
    await expect(app.call('EVAL', "return redis.call('FLUSHALL')", '0')).rejects.toThrow(/can't run this command/);
    await expect(app.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'other:key')).rejects.toThrow(/NOPERM.*keys/);
  });

  it('lets the exporter read statistics and nothing else', async () => {
    const exporter = new Redis(server.port, { ...auth('rediskit-exporter'), lazyConnect: true, maxRetriesPerRequest: 0 });
    await exporter.connect();
    try {
      await expect(exporter.info()).resolves.toContain('redis_version');
      await expect(exporter.call('CONFIG', 'GET', 'maxmemory')).resolves.toEqual(['maxmemory', String(1024 ** 3)]);
      await expect(exporter.get('rk:deploy:k')).rejects.toThrow(/NOPERM/);
      await expect(exporter.call('CONFIG', 'SET', 'maxmemory', '0')).rejects.toThrow(/NOPERM/);
    } finally {
      exporter.disconnect();
    }
  });

  it('every user of acl-users.json exists on the server as rendered', async () => {
    const list = (await server.cli('ACL', 'USERS')).split('\n').sort();
    expect(list).toEqual(JSON.parse(readFileSync(join(root, 'deploy/redis/acl-users.json'), 'utf8')).users.map((u: { name: string }) => u.name).sort());
    expect(aclUser(APP_USER).keys).toEqual(['~rk:*']);
  });
});

describe('deploy/redis/sentinel.conf: a Sentinel group with the production files', () => {
  let group: SentinelFixture;

  beforeAll(async () => {
    group = await SentinelFixture.start({ deployConfig: true });
  }, 60_000);
  afterAll(async () => {
    await group?.stop();
  });

  const client = () =>
    new Redis({
      sentinels: group.addresses,
      name: MASTER_NAME,
      sentinelPassword: group.sentinelPassword,
      ...auth(APP_USER),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });

  it('replicates with the replica user and refuses clients without the sentinel password', async () => {
    let info = '';
    await waitFor(async () => (info = await group.replica.cli('INFO', 'replication')).includes('master_link_status:up'), 20_000, 'the replica to sync').catch((e: Error) => {
      throw new Error(`${e.message}\n${info}`);
    });
    expect(await group.sentinels[0].cliAs(undefined, 'PING')).toMatch(/NOAUTH/);
    // The sentinels watch the master as their own user.
    await waitFor(async () => (await group.master.cli('CLIENT', 'LIST')).includes('user=rediskit-sentinel'), 10_000, 'sentinel connections');
  });

  it('serves the app user through the sentinels, and again on the new master after a failover', async () => {
    const redis = client();
    await redis.connect();
    try {
      await redis.set('rk:deploy:ha', 'before');
      await group.failover();
      // The sentinels reconfigured both nodes as rediskit-sentinel (SLAVEOF, CONFIG REWRITE).
      await waitFor(async () => (await group.replica.cli('ROLE')).startsWith('master'), 15_000, 'the replica to be master');
      await waitFor(async () => (await redis.set('rk:deploy:ha', 'after').catch(() => null)) === 'OK', 20_000, 'writes on the new master');
      await expect(redis.get('rk:deploy:ha')).resolves.toBe('after');
      await waitFor(async () => (await group.master.cli('INFO', 'replication')).includes('master_link_status:up'), 20_000, 'the old master to follow the new one');
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});
