import { expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import {
  PubSubService,
  RediskitArgumentError,
  RediskitMessageTooLargeError,
  RediskitSerializationError,
  type Envelope,
  type MessageContext,
} from 'nestjs-rediskit';
import { waitFor } from '../harness/index.js';
import { Listener, metric, PatternListener } from './pubsub-fixtures.js';

/** Stream ids compare by (ms, seq). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/**
 * The behaviour every topology must show. `apps()` returns two app instances on the same
 * Redis, both with {@link Listener} (or {@link PatternListener} when `patterns`).
 */
export function pubsubBehaviour(apps: () => [INestApplication, INestApplication], opts: { patterns: boolean }): void {
  const listener = (app: INestApplication): Listener => app.get(opts.patterns ? PatternListener : Listener);
  it('two app instances exchange messages through @OnMessage handlers discovered at boot', async () => {
    const [a, b] = apps();
    const la = listener(a);
    const lb = listener(b);
    const before = await metric(b, 'rediskit_pubsub_received_total{kind="channel"}');
    // Late messages of earlier tests (n <= 0) are not part of this exchange.
    const ours = (list: Envelope<{ n: number }>[]) => list.filter((m) => m.data.n > 0);
    // A retried attempt starts from empty lists, not from what the failed attempt received.
    for (const l of [la, lb]) l.orders.length = l.refunds.length = 0;
    for (let n = 1; n <= 20; n++) await a.get(PubSubService).publish('orders', { n });
    await b.get(PubSubService).publish('refunds', { r: 1 }, { type: 'refund.created' });
    await b.get(PubSubService).publish('refunds', { r: 2 }, { type: 'refund.ignored' });
    await waitFor(() => ours(lb.orders).length >= 20 && ours(la.orders).length >= 20 && la.refunds.length >= 1 && lb.refunds.length >= 1, 10_000, 'orders on both apps');
    await a.get(PubSubService).publish('refunds', { r: 3 }, { type: 'refund.created' });
    await waitFor(() => lb.refunds.length >= 2, 10_000, 'the second matching refund');
    expect(ours(lb.orders).map((m) => m.data.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const m = ours(lb.orders)[0];
    expect(m).toEqual({ id: expect.any(String), type: 'orders', data: { n: 1 }, ts: expect.any(Number), source: a.get(PubSubService).source });
    expect(new Set(ours(lb.orders).map((o) => o.id)).size).toBe(20);
    // The type filter let only the matching refund through.
    expect(lb.refunds.map((r) => r.data)).toEqual([{ r: 1 }, { r: 3 }]);
    expect(await metric(b, 'rediskit_pubsub_received_total{kind="channel"}')).toBeGreaterThanOrEqual(before + 21);
    expect(await metric(a, 'rediskit_pubsub_published_total{kind="channel"}')).toBeGreaterThanOrEqual(20);
  });

  it('a burst published in one tick (sent in batches) arrives once each, in publish order', async () => {
    const [a, b] = apps();
    const got: Envelope<{ n: number; at?: Date }>[] = [];
    const off = await b.get(PubSubService).subscribe<{ n: number; at?: Date }>('burst', (m) => void got.push(m));
    const pubsub = a.get(PubSubService);
    // Every 50th message carries a Date: a binary body, sent alone between the text batches.
    const receivers = await Promise.all(Array.from({ length: 300 }, (_, i) => pubsub.publish('burst', i % 50 === 0 ? { n: i, at: new Date(i) } : { n: i })));
    const alone = await pubsub.publish('burst', { n: 300 });
    await waitFor(() => got.length >= 301, 10_000, '301 burst messages');
    await off();
    expect(got.map((m) => m.data.n)).toEqual(Array.from({ length: 301 }, (_, i) => i));
    expect(got[50].data.at).toEqual(new Date(50));
    expect(new Set(got.map((m) => m.id)).size).toBe(301);
    // A batched publish resolves with the receiver count a lone one gets.
    expect(new Set(receivers)).toEqual(new Set([alone]));
  });

  if (opts.patterns) {
    it('psubscribe handlers get every matching channel with its name, and nothing else', async () => {
      const [a, b] = apps();
      const lb = b.get(PatternListener);
      lb.patterned.length = 0;
      await a.get(PubSubService).publish('audit:login', { who: 'ada' });
      await a.get(PubSubService).publish('audit:logout', { who: 'ada' });
      await a.get(PubSubService).publish('auditx', { who: 'nobody' });
      await a.get(PubSubService).publish('orders', { n: 0 });
      await waitFor(() => lb.patterned.length >= 2, 10_000, 'audit messages');
      await a.get(PubSubService).publish('audit:end', {});
      await waitFor(() => lb.patterned.length >= 3, 10_000, 'audit:end');
      // Order holds per channel; on a cluster two channels may arrive in either order.
      expect(lb.patterned.slice(0, 2).map((p) => p.context.channel).sort()).toEqual(['audit:login', 'audit:logout']);
      expect(lb.patterned.map((p) => p.context)).toContainEqual({ kind: 'channel', channel: 'audit:end', pattern: 'audit:*' });
      expect(lb.patterned.every((p) => p.context.kind === 'channel' && p.context.pattern === 'audit:*')).toBe(true);
      expect(lb.patterned).toHaveLength(3);
      expect(await metric(b, 'rediskit_pubsub_received_total{kind="pattern"}')).toBeGreaterThanOrEqual(3);
    });
  }

  it('broadcast reaches every instance; subscribe() returns an unsubscribe function', async () => {
    const [a, b] = apps();
    const got: Envelope[] = [];
    const off = await b.get(PubSubService).subscribeBroadcast((m) => void got.push(m));
    await a.get(PubSubService).broadcast('maintenance', { at: '22:00' });
    await waitFor(() => got.length === 1 && listener(a).broadcasts.length >= 1, 10_000, 'broadcast');
    expect(got[0]).toMatchObject({ type: 'maintenance', data: { at: '22:00' } });
    await off();
    await a.get(PubSubService).broadcast('maintenance', { at: '23:00' });
    await waitFor(() => listener(b).broadcasts.length >= 2, 10_000, 'second broadcast on the decorated handler');
    expect(got).toHaveLength(1);
  });

  it('a throwing, a rejecting and a never-finishing handler do not stop the others; errors are counted', async () => {
    const [a, b] = apps();
    const pubsub = b.get(PubSubService);
    const good: number[] = [];
    const offs = await Promise.all([
      pubsub.subscribe('isolation', () => {
        throw new Error('sync failure');
      }),
      pubsub.subscribe('isolation', async () => {
        throw new Error('async failure');
      }),
      pubsub.subscribe('isolation', () => new Promise(() => undefined)),
      pubsub.subscribe<{ n: number }>('isolation', (m) => void good.push(m.data.n)),
    ]);
    const errorsBefore = await metric(b, 'rediskit_pubsub_handler_errors_total{kind="channel"}');
    for (let n = 0; n < 30; n++) await a.get(PubSubService).publish('isolation', { n });
    await waitFor(() => good.length === 30, 10_000, 'the healthy handler to see every message');
    await waitFor(async () => (await metric(b, 'rediskit_pubsub_handler_errors_total{kind="channel"}')) === errorsBefore + 60, 5_000, 'errors counted');
    expect(good).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await Promise.all(offs.map((off) => off()));
  });

  it('a message over pubsub.maxMessageSize (1 MiB) is refused before it is sent; subscribers stay connected and keep receiving', async () => {
    const [a, b] = apps();
    const got: Envelope<{ blob: string; n: number }>[] = [];
    const off = await b.get(PubSubService).subscribe<{ blob: string; n: number }>('big', (m) => void got.push(m));
    const broadcasts = listener(b).broadcasts.length;
    const gaps = await metric(b, 'rediskit_pubsub_gaps_total');
    const pubsub = a.get(PubSubService);
    const tooLarge = { code: 'MESSAGE_TOO_LARGE', maxSize: 1024 * 1024 };
    const refused = pubsub.publish('big', { blob: 'x'.repeat(2 * 1024 * 1024), n: 0 });
    await expect(refused).rejects.toBeInstanceOf(RediskitMessageTooLargeError);
    await expect(refused).rejects.toMatchObject({ ...tooLarge, target: 'channel "big"', size: expect.any(Number) });
    // Counted in bytes: 600 000 two-byte characters are 1.2 MB.
    await expect(pubsub.publish('big', { blob: 'é'.repeat(600_000), n: 0 })).rejects.toMatchObject(tooLarge);
    await expect(pubsub.broadcast('big', { blob: 'x'.repeat(1024 * 1024) })).rejects.toMatchObject(tooLarge);
    await expect(pubsub.notifyUser('big-user', 'big', { blob: 'x'.repeat(1024 * 1024) })).rejects.toMatchObject(tooLarge);
    expect(await pubsub.inbox('big-user').fetch()).toEqual([]);
    // Just under the limit is sent; so are 12 messages of 200 KB published in one tick, which
    // together would be over it: each PUBLISH stays within the limit.
    await pubsub.publish('big', { blob: 'x'.repeat(1024 * 1024 - 500), n: 1 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => pubsub.publish('big', { blob: 'y'.repeat(200_000), n: i + 2 })));
    await pubsub.broadcast('small', { ok: true });
    await waitFor(() => got.length >= 13 && listener(b).broadcasts.length > broadcasts, 15_000, 'the messages within the limit');
    expect(got.map((m) => m.data.n)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(await metric(b, 'rediskit_pubsub_gaps_total')).toBe(gaps);
    await off();
  });

  it('bad input gets typed errors that name the argument', async () => {
    const [a] = apps();
    const pubsub = a.get(PubSubService);
    await expect(pubsub.publish('', 1)).rejects.toThrow(RediskitArgumentError);
    await expect(pubsub.publish('', 1)).rejects.toThrow(/^channel /);
    await expect(pubsub.publish('x', { f: () => 1 })).rejects.toThrow(RediskitSerializationError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(pubsub.notifyUser(1, 't', cyclic)).rejects.toThrow(RediskitSerializationError);
    await expect(pubsub.notifyUser('', 't', 1)).rejects.toThrow(/^userId /);
    await expect(pubsub.notifyUser(1, '', 1)).rejects.toThrow(/^type /);
    await expect(pubsub.broadcast('', 1)).rejects.toThrow(/^type /);
    await expect(pubsub.subscribe('x', 'nope' as never)).rejects.toThrow(/^handler /);
    await expect(pubsub.inbox(1).fetch({ limit: 0 })).rejects.toThrow(/^limit /);
    await expect(pubsub.inbox(1).fetch({ since: 'yesterday' })).rejects.toThrow(/^since /);
    await expect(pubsub.inbox(1).ack('7')).rejects.toThrow(/^id /);
  });

  it('an offline user gets every notification once, in order, from the inbox plus the live channel', async () => {
    const [a, b] = apps();
    const sender = a.get(PubSubService);
    const gateway = b.get(PubSubService);
    const user = `user:${Date.now()}`; // needs encoding: contains ':'
    const seq = (m: Envelope) => (m.data as { seq: number }).seq;

    // Online: the gateway forwards live notifications.
    const live1: Envelope[] = [];
    let off = await gateway.subscribeUser(user, (m) => void live1.push(m));
    for (let seq = 1; seq <= 50; seq++) await sender.notifyUser(user, 'note', { seq });
    await waitFor(() => live1.length === 50, 10_000, 'live notifications');
    const lastSeen = live1[49].id;
    await off();

    // Offline: nobody listens; notifications only land in the inbox.
    await Promise.all(Array.from({ length: 100 }, (_, i) => sender.notifyUser(user, 'note', { seq: 51 + i })));

    // Back online: subscribe first, then read the inbox while more notifications arrive.
    const live2: Envelope[] = [];
    off = await gateway.subscribeUser(user, (m) => void live2.push(m));
    const sending = (async () => {
      for (let seq = 151; seq <= 200; seq++) await sender.notifyUser(user, 'note', { seq });
    })();
    const fetched: Envelope[] = [];
    let since = lastSeen;
    for (;;) {
      const page = await gateway.inbox(user).fetch({ since, limit: 30 });
      if (page.length === 0) break;
      fetched.push(...page);
      since = page[page.length - 1].id;
    }
    await sending;
    await waitFor(() => live2.some((m) => seq(m) === 200), 10_000, 'the last live notification');
    await off();

    // Deduplicate by id: everything fetched, then live messages newer than the last fetched one.
    const seen = new Set<string>();
    const merged = [...fetched, ...live2.filter((m) => compareIds(m.id, since) > 0)].filter((m) => !seen.has(m.id) && seen.add(m.id));
    expect(merged.map(seq)).toEqual(Array.from({ length: 150 }, (_, i) => 51 + i));
    // The live messages carry the inbox ids.
    const all = await gateway.inbox(user).fetch({ since: '0', limit: 1000 });
    expect(all.map(seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(all.slice(0, 50).map((m) => m.id)).toEqual(live1.map((m) => m.id));
    expect(all[0]).toEqual({ id: live1[0].id, type: 'note', data: { seq: 1 }, ts: expect.any(Number), source: sender.source });
    expect(await metric(a, 'rediskit_pubsub_published_total{kind="user"}')).toBeGreaterThanOrEqual(200);
    expect(await metric(b, 'rediskit_pubsub_received_total{kind="user"}')).toBeGreaterThanOrEqual(100);
  });

  it('notifications to several users sent in one tick land in each inbox in call order, with the returned ids', async () => {
    const [a] = apps();
    const pubsub = a.get(PubSubService);
    const users = ['ann', 'bob', 'cy'].map((u) => `${u}-${Date.now()}`);
    const sent = Array.from({ length: 60 }, (_, i) => ({ user: users[i % 3], n: i }));
    const ids = await Promise.all(sent.map(({ user, n }) => pubsub.notifyUser(user, 'n', n)));
    for (const user of users) {
      const inbox = await pubsub.inbox(user).fetch({ since: '0', limit: 100 });
      const mine = sent.map((s, i) => ({ ...s, id: ids[i] })).filter((s) => s.user === user);
      expect(inbox.map((m) => [m.id, m.data])).toEqual(mine.map((s) => [s.id, s.n]));
      await pubsub.inbox(user).clear();
    }
  });

  it('ack moves the read cursor: fetch() without since returns only unread messages', async () => {
    const [a] = apps();
    const pubsub = a.get(PubSubService);
    const user = `acker-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await pubsub.notifyUser(user, 'n', i));
    const inbox = pubsub.inbox(user);
    expect((await inbox.fetch()).map((m) => m.data)).toEqual([0, 1, 2, 3, 4]);
    expect(await inbox.ack(ids[2])).toBe(true);
    expect(await inbox.ack(ids[1])).toBe(false); // never moves back
    expect((await inbox.fetch()).map((m) => m.data)).toEqual([3, 4]);
    expect((await inbox.fetch({ limit: 1 })).map((m) => m.data)).toEqual([3]);
    await inbox.clear();
    expect(await inbox.fetch({ since: '0' })).toEqual([]);
  });

  it('unsubscribing the last handler removes the Redis subscription; others keep theirs', async () => {
    const [a, b] = apps();
    const pubsub = b.get(PubSubService);
    const first: unknown[] = [];
    const second: unknown[] = [];
    const offFirst = await pubsub.subscribe('shared', (m) => void first.push(m.data));
    const offSecond = await pubsub.subscribe('shared', (m, ctx: MessageContext) => void second.push([m.data, ctx.channel]));
    await a.get(PubSubService).publish('shared', 1);
    await waitFor(() => first.length === 1 && second.length === 1, 10_000, 'both handlers');
    await offFirst();
    await a.get(PubSubService).publish('shared', 2);
    await waitFor(() => second.length === 2, 10_000, 'second handler');
    expect(first).toEqual([1]);
    expect(second).toEqual([
      [1, 'shared'],
      [2, 'shared'],
    ]);
    await offSecond();
    await offSecond(); // idempotent
    expect(await a.get(PubSubService).publish('shared', 3)).toBe(0);
  });
}
