import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsIn, IsInt, IsOptional, IsString } from 'class-validator';
import calculateSlot from 'cluster-key-slot';
import { createHash } from 'node:crypto';
import {
  Codec,
  Keyspace,
  MetricsService,
  RedisModule,
  RedisRegistry,
  RediskitArgumentError,
  RediskitCircuitOpenError,
  SessionEvents,
  SessionService,
  type RedisConnectionOptions,
  type SessionEvent,
  type SessionOptions,
} from 'nestjs-rediskit';
import { RedisConnection, scanKeys } from '../internals.js';
import { RediskitSessionStore } from 'nestjs-rediskit/express-session';
import { sleep, waitFor } from '../harness/index.js';

class ProfileData {
  @IsIn(['admin', 'user']) role: string;
  @IsOptional() @IsInt() visits?: number;
  @IsOptional() @IsString() theme?: string;
}

/** Where the suite runs: a connection, redis-cli on every master, and a way to stop it. */
export interface SessionTopology {
  connection: RedisConnectionOptions;
  /** redis-cli on every master. */
  cli(...args: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

const sha = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The session suite on one topology (session.standalone and session.cluster run it). */
export const sessionSuite = (name: string, start: () => Promise<SessionTopology>) =>
  describe(`sessions on ${name}`, () => {
    let topology: SessionTopology;
    let app: INestApplication;
    let sessions: SessionService;
    let metrics: MetricsService;
    const events: SessionEvent[] = [];

    /** A second service on the same connection with other options (short clocks). */
    const service = (options: SessionOptions) =>
      new SessionService(app.get(RedisRegistry).get(), options, { keyspace: app.get(Keyspace), codec: app.get(Codec), metrics });

    /** Sum of a counter of Redis' INFO commandstats over every master. */
    const commandCalls = async (command: string) =>
      (await topology.cli('INFO', 'commandstats')).reduce((sum, info) => sum + Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0), 0);

    /** Every key and every value (hash fields and values, zset members) held by Redis. */
    const everything = async () => {
      const connection = app.get(RedisRegistry).get();
      const out: string[] = [];
      for await (const batch of scanKeys(connection, '*')) {
        for (const key of batch) {
          const node = connection.client;
          out.push(key);
          const type = await node.type(key);
          if (type === 'hash') out.push(...Object.entries(await node.hgetall(key)).flat());
          if (type === 'zset') out.push(...(await node.zrange(key, '0', '-1')));
          if (type === 'string') out.push((await node.get(key)) ?? '');
        }
      }
      return out.join('\n');
    };

    beforeAll(async () => {
      topology = await start();
      const moduleRef = await Test.createTestingModule({
        imports: [RedisModule.forRoot({ connection: topology.connection, keyspace: { prefix: 'st' }, session: { ttl: '1m', maxPerUser: 5 } })],
      }).compile();
      app = await moduleRef.createNestApplication().init();
      sessions = app.get(SessionService);
      metrics = app.get(MetricsService);
      app.get(SessionEvents).onAny((e) => void events.push(e));
    });
    afterAll(async () => {
      await app?.close();
      await topology?.stop();
    });

    it('issues 256-bit base64url tokens of which Redis holds only the SHA-256', async () => {
      const { token, session } = await sessions.create('alice', { role: 'admin' }, { device: 'laptop', ip: '10.0.0.1', userAgent: 'UA/1' });
      expect(token).toMatch(/^[A-Za-z0-9_-]{45}$/);
      expect(Buffer.from(token.slice(2), 'base64url').length * 8).toBeGreaterThanOrEqual(256);
      expect(session.id).toBe(sha(token));
      const dump = await everything();
      expect(dump).toContain(sha(token));
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.slice(2));
      expect(await sessions.get(token)).toMatchObject({ userId: 'alice', data: { role: 'admin' }, device: 'laptop', ip: '10.0.0.1', userAgent: 'UA/1' });
    });

    it('answers a malformed token with null without calling Redis, and never adopts an unknown token', async () => {
      const connection = app.get(RedisRegistry).get();
      connection.breaker.open(); // any Redis call would now throw
      try {
        for (const bad of ['', 'x', 'a'.repeat(44), 'a'.repeat(44) + '*', `${'a'.repeat(45)}\n`]) {
          expect(await sessions.get(bad)).toBeNull();
          expect(await sessions.touch(bad)).toBeNull();
          expect(await sessions.rotate(bad)).toBeNull();
          expect(await sessions.destroy(bad)).toBe(false);
        }
        await expect(sessions.get('A'.repeat(45))).rejects.toBeInstanceOf(RediskitCircuitOpenError);
      } finally {
        connection.breaker.close();
      }
      const guessed = 'AA' + Buffer.alloc(32, 7).toString('base64url');
      expect(await sessions.get(guessed)).toBeNull();
      expect(await sessions.touch(guessed)).toBeNull();
      expect(await sessions.update(guessed, { role: 'admin' })).toBeNull();
      expect(await sessions.markVerified(guessed, 'otp', '1m')).toBe(false);
      expect(await everything()).not.toContain(sha(guessed));
    });

    it('expires an idle session, and touch never revives it', async () => {
      const short = service({ ttl: 400, touchInterval: 1 });
      const { token, session } = await short.create('idle-user');
      const key = (await everything()).split('\n').find((l) => l.endsWith(session.id) && l.includes(':s:'))!;
      await waitFor(async () => (await short.get(token)) === null, 10_000, 'the idle session to expire');
      expect(await short.touch(token)).toBeNull();
      expect(await app.get(RedisRegistry).get().client.exists(key)).toBe(0);
      expect(await short.listForUser('idle-user')).toEqual([]);
    });

    it('ends a session at its absolute deadline however often it is touched', async () => {
      const short = service({ ttl: 500, absoluteTimeout: 1500, touchInterval: 1 });
      const { token, session } = await short.create('busy-user');
      const key = (await everything()).split('\n').find((l) => l.endsWith(session.id) && l.includes(':s:'))!;
      const client = app.get(RedisRegistry).get().client;
      let touched = 0;
      for (;;) {
        const current = await short.touch(token);
        if (!current) break;
        touched++;
        expect(current.absoluteExpiresAt).toBe(session.absoluteExpiresAt);
        expect(current.expiresAt).toBeLessThanOrEqual(session.absoluteExpiresAt);
        const expireTime = Number(await client.call('PEXPIRETIME', key));
        if (expireTime > 0) expect(expireTime).toBeLessThanOrEqual(session.absoluteExpiresAt);
        await sleep(50);
      }
      expect(touched).toBeGreaterThan(0);
      expect(await short.touch(token)).toBeNull();
      expect(await short.get(token)).toBeNull();
    });

    it('writes at most once per touch interval', async () => {
      const lazy = service({ ttl: '1h', touchInterval: '1h' });
      const { token, session } = await lazy.create('touchy');
      const writesBefore = await commandCalls('hset');
      const scriptsBefore = await commandCalls('evalsha');
      for (let i = 0; i < 20; i++) expect((await lazy.touch(token))!.lastActiveAt).toBe(session.lastActiveAt);
      expect(await commandCalls('hset')).toBe(writesBefore);
      expect(await commandCalls('evalsha')).toBe(scriptsBefore); // nothing due: plain reads, no script

      const eager = service({ ttl: '1h', touchInterval: 1 });
      await sleep(5);
      const touched = await eager.touch(token);
      expect(touched!.lastActiveAt).toBeGreaterThan(session.lastActiveAt);
      expect(touched!.expiresAt).toBeGreaterThan(session.expiresAt);
      expect(await commandCalls('hset')).toBe(writesBefore + 1);
    });

    it('reads on the master (through the script) when the cluster reads from replicas', async () => {
      if (!('cluster' in topology.connection)) return; // standalone: nothing to choose
      const replicas = new RedisConnection('replica-reads', { cluster: { ...topology.connection.cluster, scaleReads: 'slave' } });
      await replicas.connect(5000);
      try {
        const reader = new SessionService(replicas, {}, { keyspace: app.get(Keyspace) });
        const { token } = await reader.create('replica-reader');
        const scripts = async () => (await commandCalls('evalsha')) + (await commandCalls('eval')); // EVAL: first use on a node
        const scriptsBefore = await scripts();
        for (let i = 0; i < 5; i++) expect(await reader.get(token)).not.toBeNull();
        expect(await scripts()).toBe(scriptsBefore + 5);
      } finally {
        await replicas.close();
      }
    });

    it('rotates: a new token, the old one dead at once, data and deadlines kept', async () => {
      const { token, session } = await sessions.create('rotor', { role: 'user' });
      const rotated = await sessions.rotate(token);
      expect(rotated!.token).not.toBe(token);
      expect(await sessions.get(token)).toBeNull();
      expect(await sessions.rotate(token)).toBeNull();
      const current = await sessions.get(rotated!.token);
      expect(current).toMatchObject({ userId: 'rotor', data: { role: 'user' }, createdAt: session.createdAt, absoluteExpiresAt: session.absoluteExpiresAt });
      expect((await sessions.listForUser('rotor')).map((s) => s.id)).toEqual([rotated!.session.id]);
      expect(events).toContainEqual(expect.objectContaining({ type: 'rotated', userId: 'rotor', sessionId: rotated!.session.id, previousSessionId: session.id }));
    });

    it('keeps at most maxPerUser sessions under 50 concurrent logins, evicting the oldest', async () => {
      const created = await Promise.all(Array.from({ length: 50 }, (_, i) => sessions.create('crowd', { role: 'user', visits: i })));
      const alive = (await Promise.all(created.map((c) => sessions.get(c.token)))).filter((s) => s !== null);
      expect(alive).toHaveLength(5);
      const listed = await sessions.listForUser('crowd');
      expect(listed.map((s) => s.id).sort()).toEqual(alive.map((s) => s!.id).sort());
      const evicted = events.filter((e) => e.type === 'evicted' && e.userId === 'crowd').map((e) => e.sessionId);
      expect(evicted).toHaveLength(45);
      expect(new Set([...evicted, ...listed.map((s) => s.id)])).toEqual(new Set(created.map((c) => c.session.id)));
      // The survivors are the newest: none of them is older than an evicted one.
      const createdAt = new Map(created.map((c) => [c.session.id, c.session.createdAt]));
      const newestEvicted = Math.max(...evicted.map((id) => createdAt.get(id)!));
      for (const s of listed) expect(s.createdAt).toBeGreaterThanOrEqual(newestEvicted);
    });

    it('logs a user out everywhere through the index, without SCAN', async () => {
      const mine = await Promise.all([1, 2, 3].map(() => sessions.create('leaver')));
      const other = await sessions.create('stayer');
      const scansBefore = await commandCalls('scan');
      expect(await sessions.destroyAllForUser('leaver')).toBe(3);
      expect(await commandCalls('scan')).toBe(scansBefore);
      for (const { token } of mine) expect(await sessions.get(token)).toBeNull();
      expect(await sessions.get(other.token)).not.toBeNull();
      expect(await sessions.listForUser('leaver')).toEqual([]);
      expect(await sessions.destroyAllForUser('leaver')).toBe(0);
      expect(events.filter((e) => e.type === 'destroyed' && e.reason === 'logout-all' && e.userId === 'leaver')).toHaveLength(3);
    });

    it('refuses user ids with a lone surrogate: they would share the UTF-8 bytes of U+FFFD', async () => {
      const carol = await sessions.create('carol\uFFFD');
      for (const impostor of ['carol\uDBFF', 'carol\uDC00']) {
        await expect(sessions.listForUser(impostor)).rejects.toBeInstanceOf(RediskitArgumentError);
        await expect(sessions.destroyAllForUser(impostor)).rejects.toBeInstanceOf(RediskitArgumentError);
        await expect(sessions.create(impostor)).rejects.toBeInstanceOf(RediskitArgumentError);
      }
      expect((await sessions.listForUser('carol\uFFFD')).map((s) => s.id)).toEqual([carol.session.id]);
    });

    it('lists device, IP, user agent, created and last-active times; revokes one by id', async () => {
      const a = await sessions.create(42, {}, { device: 'phone', ip: '192.0.2.7', userAgent: 'Mobile/1', fingerprint: 'fp1' });
      const b = await sessions.create(42, {}, { device: 'desktop', ip: '192.0.2.8', userAgent: 'Desktop/2' });
      const list = await sessions.listForUser(42);
      expect(list).toHaveLength(2); // oldest first; created in the same millisecond they may come in any order
      expect(list).toEqual(expect.arrayContaining([
        { id: a.session.id, userId: '42', device: 'phone', ip: '192.0.2.7', userAgent: 'Mobile/1', fingerprint: 'fp1', createdAt: a.session.createdAt, lastActiveAt: a.session.lastActiveAt, expiresAt: a.session.expiresAt, absoluteExpiresAt: a.session.absoluteExpiresAt },
        expect.objectContaining({ id: b.session.id, device: 'desktop', ip: '192.0.2.8', userAgent: 'Desktop/2' }),
      ]));
      expect(await sessions.destroyById('someone-else', a.session.id)).toBe(false);
      expect(await sessions.destroyById(42, a.session.id)).toBe(true);
      expect(await sessions.get(a.token)).toBeNull();
      expect((await sessions.listForUser(42)).map((s) => s.id)).toEqual([b.session.id]);
      await expect(sessions.destroyById(42, 'nope')).rejects.toBeInstanceOf(RediskitArgumentError);
    });

    it('keeps the keys of one user on one slot and spreads users over the cluster', async () => {
      const keys = (await everything()).split('\n').filter((l) => l.startsWith('st:session:'));
      const byUser = new Map<string, Set<number>>();
      for (const key of keys) {
        const tag = /\{([^}]+)\}/.exec(key)![1];
        byUser.set(tag, (byUser.get(tag) ?? new Set()).add(calculateSlot(key)));
      }
      for (const slots of byUser.values()) expect(slots.size).toBe(1);
      expect(byUser.size).toBeGreaterThan(3);
    });

    it('records step-up verifications with their own TTL', async () => {
      const { token } = await sessions.create('stepper');
      expect(await sessions.isVerified(token, 'webauthn')).toBe(false);
      expect(await sessions.markVerified(token, 'webauthn', 300)).toBe(true);
      expect(await sessions.isVerified(token, 'webauthn')).toBe(true);
      expect(await sessions.isVerified(token, 'otp')).toBe(false);
      expect(await sessions.markVerified(token, 'otp', '1m')).toBe(true);
      await waitFor(async () => !(await sessions.isVerified(token, 'webauthn')), 10_000, 'the verification to lapse');
      expect(await sessions.isVerified(token, 'otp')).toBe(true);
      expect(await sessions.markVerified(token, 'otp', '2m')).toBe(true);
      expect(Object.keys((await sessions.get(token))!.verified)).toEqual(['otp']); // renewed in place, the lapsed one dropped
      expect(await sessions.get(token)).not.toBeNull();
      await expect(sessions.markVerified(token, 'bad factor', '1m')).rejects.toBeInstanceOf(RediskitArgumentError);
    });

    it('validates session data against a class-validator class', async () => {
      const strict = service({ dataClass: ProfileData });
      await expect(strict.create('v', { role: 'root' })).rejects.toThrow(/data does not match ProfileData.*role/);
      await expect(strict.create('v', { role: 'user', extra: 1 } as never)).rejects.toThrow(/extra/);
      const { token } = await strict.create('v', { role: 'user' });
      await expect(strict.update(token, { visits: 'many' } as never)).rejects.toBeInstanceOf(RediskitArgumentError);
      expect((await strict.update(token, { visits: 1 }))!.data).toEqual({ role: 'user', visits: 1 });
    });

    it('never loses a concurrent update', async () => {
      const { token } = await sessions.create('counter', { visits: 0 });
      await Promise.all(Array.from({ length: 10 }, () => sessions.update<{ visits: number }>(token, (d) => ({ visits: d.visits + 1 }))));
      expect((await sessions.get<{ visits: number }>(token))!.data.visits).toBe(10);
    });

    it('rejects bad arguments with typed errors naming them', async () => {
      await expect(sessions.create('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'userId' });
      await expect(sessions.create('u', {}, { ttl: 'soon' })).rejects.toMatchObject({ argument: 'ttl' });
      await expect(sessions.create('u', {}, { ip: 7 as never })).rejects.toMatchObject({ argument: 'ip' });
      await expect(sessions.update('A'.repeat(45), 5 as never)).rejects.toMatchObject({ argument: 'patch' });
    });

    it('cleanup drops index entries of expired sessions and counts live ones', async () => {
      const short = service({ ttl: 200 });
      const { token } = await short.create('janitor');
      await sessions.create('janitor');
      await waitFor(async () => (await short.get(token)) === null, 10_000, 'the short session to expire');
      const index = (await everything()).split('\n').find((l) => l.includes(':u:janitor'))!;
      expect(await app.get(RedisRegistry).get().client.zcard(index)).toBe(2);
      const result = await sessions.cleanup();
      expect(result.removed).toBeGreaterThanOrEqual(1);
      expect(await app.get(RedisRegistry).get().client.zcard(index)).toBe(1);
      expect(result.active).toBeGreaterThan(0);
    });

    it('records its metrics', async () => {
      const { token } = await sessions.create('metered');
      await sessions.get(token);
      await sessions.get('bad');
      await service({ ttl: '1m', touchInterval: 1 }).touch(token);
      await sessions.rotate(token);
      await sessions.cleanup();
      const text = await metrics.text();
      for (const line of [
        /rediskit_session_created_total \d+/,
        /rediskit_session_lookups_total\{result="hit"\} \d+/,
        /rediskit_session_lookups_total\{result="malformed"\} \d+/,
        /rediskit_session_lookups_total\{result="miss"\} \d+/,
        /rediskit_session_touch_writes_total [1-9]/,
        /rediskit_session_rotated_total [1-9]/,
        /rediskit_session_ended_total\{reason="evicted"\} [1-9]/,
        /rediskit_session_ended_total\{reason="logout_all"\} [1-9]/,
        /rediskit_session_active [1-9]/,
      ]) {
        expect(text).toMatch(line);
      }
    });

    describe('RediskitSessionStore', () => {
      const cookie = (maxAgeMs?: number) => ({ originalMaxAge: maxAgeMs ?? null, expires: maxAgeMs ? new Date(Date.now() + maxAgeMs).toISOString() : undefined, httpOnly: true, path: '/' });

      it('stores, reads, touches, lists, counts and clears sessions across slots', async () => {
        const store = RediskitSessionStore.fromApp(app);
        await store.clear();
        const ids = Array.from({ length: 30 }, (_, i) => `sid-${i}:x`);
        await Promise.all(ids.map((sid, i) => store.set(sid, { cookie: cookie(60_000), n: i } as never)));
        expect(await store.get('sid-3:x')).toMatchObject({ n: 3 });
        expect(await store.length()).toBe(30);
        expect((await store.ids()).sort()).toEqual([...ids].sort());
        expect((await store.all()).map((s) => (s as unknown as { id: string }).id).sort()).toEqual([...ids].sort());
        await store.touch('sid-3:x', { cookie: cookie(120_000) } as never);
        await store.touch('gone', { cookie: cookie(120_000) } as never);
        expect(await store.get('gone')).toBeNull();
        await store.destroy('sid-3:x');
        expect(await store.get('sid-3:x')).toBeNull();
        await store.clear();
        expect(await store.length()).toBe(0);
      });
    });
  });
