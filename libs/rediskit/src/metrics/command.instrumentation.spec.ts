import { describe, expect, it } from '@jest/globals';
import { Command } from 'ioredis';
import type { RedisClient } from '../connection/client.factory.js';
import { CommandInstrumentation, errorReason } from './command.instrumentation.js';
import { MetricsService } from './metrics.service.js';

/** A client whose sendCommand only records; replies are given by hand. */
function fakeClient() {
  const sent: Command[] = [];
  return { sent, client: { sendCommand: (command: Command) => (sent.push(command), command.promise) } };
}

async function setup(slowMs = Infinity) {
  const metrics = await MetricsService.create();
  const slow: { name: string; ms: number }[] = [];
  const instrumentation = new CommandInstrumentation({
    connection: 'c',
    latency: metrics.histogram('lat', 'L', ['connection', 'command']),
    errors: metrics.counter('err_total', 'E', ['connection', 'command', 'reason']),
    slowMs,
    onSlow: (command, ms) => slow.push({ name: command.name, ms }),
  });
  const fake = fakeClient();
  const restore = instrumentation.install(fake.client as unknown as RedisClient);
  const send = (command: Command) => (fake.client as unknown as { sendCommand: (c: Command) => Promise<unknown> }).sendCommand(command);
  return { metrics, slow, fake, restore, send };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('CommandInstrumentation', () => {
  it('observes each command once, even when the offline queue sends it again', async () => {
    const { metrics, send } = await setup();
    const get = new Command('get', ['k']);
    const pending = send(get);
    send(get);
    get.resolve(Buffer.from('v'));
    await pending;
    await settle();
    expect(await metrics.text()).toContain('rediskit_lat_count{connection="c",command="get"} 1');
  });

  it('counts failures by reason and times them too', async () => {
    const { metrics, send } = await setup();
    const commands = [new Command('hget', ['k', 'f']), new Command('get', ['k']), new Command('get', ['k'])];
    commands.forEach((c) => send(c).catch(() => undefined));
    commands[0].reject(Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' }));
    commands[1].reject(new Error('Command timed out'));
    commands[2].reject(new Error('Connection is closed.'));
    await settle();
    const text = await metrics.text();
    expect(text).toContain('rediskit_err_total{connection="c",command="hget",reason="reply"} 1');
    expect(text).toContain('rediskit_err_total{connection="c",command="get",reason="timeout"} 1');
    expect(text).toContain('rediskit_err_total{connection="c",command="get",reason="connection"} 1');
    expect(text).toContain('rediskit_lat_count{connection="c",command="get"} 2');
  });

  it('reports slow commands except blocking ones', async () => {
    const { slow, send } = await setup(0);
    const get = new Command('get', ['k']);
    const blpop = new Command('blpop', ['k', '0']);
    send(get);
    send(blpop);
    get.resolve(Buffer.from('v'));
    blpop.resolve(null);
    await settle();
    expect(slow.map((s) => s.name)).toEqual(['get']);
  });

  it('restores the original sendCommand', async () => {
    const { fake, restore, send, metrics } = await setup();
    restore();
    const get = new Command('get', ['k']);
    send(get);
    get.resolve(Buffer.from('v'));
    await settle();
    expect(fake.sent).toHaveLength(1);
    expect(await metrics.text()).not.toContain('command="get"');
  });

  it('classifies errors', () => {
    expect(errorReason(Object.assign(new Error('x'), { name: 'ReplyError' }))).toBe('reply');
    expect(errorReason(new Error('Socket timeout. Expecting data'))).toBe('timeout');
    expect(errorReason(new Error('ECONNREFUSED'))).toBe('connection');
  });
});
