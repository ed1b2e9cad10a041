import { describe, expect, it } from '@jest/globals';
import { EventOutbox, type OutgoingEvent } from './event-outbox.js';

/** An outbox over an append that fails while `down` is true; records what was appended. */
function outbox(max = 10) {
  const state = { down: false, appended: [] as string[], dropped: 0, sizes: [] as number[], failures: 0 };
  const box = new EventOutbox(max, {
    append: async (events: OutgoingEvent[]) => {
      if (state.down) throw new Error('down');
      state.appended.push(...events.map((e) => e.payload));
    },
    sized: (n) => state.sizes.push(n),
    failed: () => state.failures++,
    dropped: (n) => (state.dropped += n),
  });
  return { box, state };
}

describe('EventOutbox', () => {
  it('appends in push order and reports each event sent', async () => {
    const { box, state } = outbox();
    const seqs = ['1', '2', '3'].map((payload) => box.push({ name: 'e', payload }));
    await box.flush();
    expect(state.appended).toEqual(['1', '2', '3']);
    expect(seqs.every((s) => box.sent(s))).toBe(true);
    expect(box.length).toBe(0);
  });

  it('keeps events while the append fails, then sends them in order, oldest dropped beyond max', async () => {
    const { box, state } = outbox(3);
    state.down = true;
    const first = box.push({ name: 'e', payload: '1' });
    await box.flush();
    expect(box.sent(first)).toBe(false);
    for (const payload of ['2', '3', '4', '5']) box.push({ name: 'e', payload });
    expect(state.dropped).toBe(2);
    expect(box.length).toBe(3);
    expect(box.sent(first)).toBe(true); // dropped counts as no longer waiting
    state.down = false;
    await box.flush();
    expect(state.appended).toEqual(['3', '4', '5']);
    expect(state.failures).toBe(1);
    expect(state.sizes.at(-1)).toBe(0);
    box.close();
  });

  it('events pushed during an append wait for the next one, behind it', async () => {
    let release!: () => void;
    const appended: string[][] = [];
    const box = new EventOutbox(100, {
      append: async (events) => {
        appended.push(events.map((e) => e.payload));
        if (appended.length === 1) await new Promise<void>((r) => (release = r));
      },
      sized: () => undefined,
      failed: () => undefined,
      dropped: () => undefined,
    });
    box.push({ name: 'e', payload: 'a' });
    const flushing = box.flush();
    box.push({ name: 'e', payload: 'b' });
    expect(box.flush()).toBe(flushing); // one append at a time
    release();
    await flushing;
    expect(appended).toEqual([['a'], ['b']]);
  });
});
