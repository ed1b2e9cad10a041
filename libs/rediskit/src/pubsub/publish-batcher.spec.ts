import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PublishBatcher } from './publish-batcher.js';

function recorder(answer: (channel: string) => number | Error = () => 2, maxLength?: number) {
  const sent: [string, Buffer | string][] = [];
  const batcher = new PublishBatcher(async (channel, payload) => {
    sent.push([channel, payload]);
    const reply = answer(channel);
    if (reply instanceof Error) throw reply;
    return reply;
  }, 3, maxLength);
  return { batcher, sent };
}

describe('PublishBatcher', () => {
  it('sends the text messages of one channel and tick as one batch, each channel apart', async () => {
    const { batcher, sent } = recorder();
    const replies = await Promise.all([batcher.publish('a', 'a1'), batcher.publish('b', 'b1'), batcher.publish('a', 'a2')]);
    expect(replies).toEqual([2, 2, 2]);
    expect(sent).toEqual([
      ['a', '*\na1\na2'],
      ['b', 'b1'], // alone: sent as it is
    ]);
  });

  it('caps a batch at maxMessages and keeps the order of a channel when a binary message comes', async () => {
    const { batcher, sent } = recorder();
    const bytes = Buffer.from([1, 2]);
    await Promise.all(['1', '2', '3', '4'].map((m) => batcher.publish('a', m)).concat(batcher.publish('a', bytes), batcher.publish('a', '5')));
    expect(sent).toEqual([
      ['a', '*\n1\n2\n3'],
      ['a', '4'],
      ['a', bytes],
      ['a', '5'],
    ]);
  });

  it('sends a batch once it holds maxLength characters', async () => {
    const { batcher, sent } = recorder(undefined, 10);
    await Promise.all(['aaaa', 'bbbbbbbb', 'cc', 'x'.repeat(20), 'dd'].map((m) => batcher.publish('a', m)));
    expect(sent.map(([, payload]) => payload)).toEqual(['*\naaaa\nbbbbbbbb', `*\ncc\n${'x'.repeat(20)}`, 'dd']);
  });

  it('never sends a batch over maxBytes, whatever the messages (UTF-8 bytes, not characters), and keeps their order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 8, max: 200 }), fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 40 }), async (maxBytes, texts) => {
        const messages = texts.map((t, i) => `${i}\n${t.replace(/\n/g, ' ')}`).filter((m) => Buffer.byteLength(m) <= maxBytes);
        const sent: string[] = [];
        const batcher = new PublishBatcher(async (_channel, payload) => (sent.push(payload as string), 1), 128, 64 * 1024, maxBytes);
        await Promise.all(messages.map((m) => batcher.publish('a', m)));
        for (const payload of sent) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(maxBytes);
        // Unbatched again: each message is two lines (its index, its text).
        const lines = sent.flatMap((p) => (p.startsWith('*\n') ? p.slice(2) : p).split('\n'));
        expect(lines).toEqual(messages.flatMap((m) => m.split('\n')));
      }),
      { numRuns: 200 },
    );
  });

  it('fails every publisher of a failed batch, and only them', async () => {
    const { batcher } = recorder((channel) => (channel === 'down' ? new Error('ECONNRESET') : 1));
    const outcomes = await Promise.allSettled([batcher.publish('down', 'x'), batcher.publish('down', 'y'), batcher.publish('up', 'z')]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});
