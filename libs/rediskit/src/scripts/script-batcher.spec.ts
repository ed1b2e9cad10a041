import { describe, expect, it } from '@jest/globals';
import { batchScript } from './batch-script.js';
import { ScriptBatcher, type BatchTarget } from './script-batcher.js';

const script = batchScript('test_echo', 'return ARGV');

/** A target whose client records the EVALSHA/EVAL commands sent and answers with the given function. */
function fakeConnection(answer: (keys: string[], args: unknown[]) => unknown, isCluster = false) {
  const calls: { command: string; keys: string[]; args: unknown[] }[] = [];
  const sendCommand = async ({ name, args: [, n, ...rest] }: { name: string; args: unknown[] }) => {
    // Command sends every argument as text; the tests' arguments are numbers.
    const keys = rest.slice(0, Number(n)) as string[];
    const args = rest.slice(Number(n)).map(Number);
    calls.push({ command: name, keys, args });
    return answer(keys, args);
  };
  const client = { options: {}, sendCommand };
  const connection = { isCluster, run: (fn: (c: typeof client) => Promise<unknown>) => fn(client) } as unknown as BatchTarget;
  return { connection, calls };
}

describe('ScriptBatcher', () => {
  it('sends the calls of one tick as one script call and hands each caller its own reply', async () => {
    const { connection, calls } = fakeConnection((_k, args) => args.map((a) => Number(a) * 10));
    const batcher = new ScriptBatcher(connection, script);
    const replies = await Promise.all([batcher.call(['a'], [1]), batcher.call(['b'], [2]), batcher.call(['c'], [3])]);
    expect(replies).toEqual([10, 20, 30]);
    expect(calls).toEqual([{ command: 'evalsha', keys: ['a', 'b', 'c'], args: [1, 2, 3] }]);
    expect(await batcher.call(['d'], [4])).toBe(40);
    expect(calls).toHaveLength(2);
  });

  it('caps a batch at maxEntries', async () => {
    const { connection, calls } = fakeConnection((_k, args) => args);
    const batcher = new ScriptBatcher(connection, script, { maxEntries: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.call([`k${i}`], [i])));
    expect(calls.map((c) => c.keys.length)).toEqual([2, 2, 1]);
  });

  it('on a cluster, sends one call per slot', async () => {
    const { connection, calls } = fakeConnection((_k, args) => args);
    const batcher = new ScriptBatcher(connection, script);
    const replies = await Promise.all([batcher.call(['{x}:1'], [1]), batcher.call(['{y}:1'], [2]), batcher.call(['{x}:2'], [3])]);
    expect(replies).toEqual([1, 2, 3]);
    expect(calls).toHaveLength(1); // not a cluster yet
    const cluster = fakeConnection((_k, args) => args, true);
    const clustered = new ScriptBatcher(cluster.connection, script);
    expect(await Promise.all([clustered.call(['{x}:1'], [1]), clustered.call(['{y}:1'], [2]), clustered.call(['{x}:2'], [3])])).toEqual([1, 2, 3]);
    expect(cluster.calls.map((c) => c.keys)).toEqual([['{x}:1', '{x}:2'], ['{y}:1']]);
  });

  it('hands each caller its slice of a script that answers several values per entry', async () => {
    const { connection, calls } = fakeConnection((_k, args) => args.flatMap((a) => [a, Number(a) + 1]));
    const batcher = new ScriptBatcher<number[]>(connection, script, { width: 2 });
    expect(await Promise.all([batcher.call(['a'], [1]), batcher.call(['b'], [5])])).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(calls).toHaveLength(1);
  });

  it('falls back to EVAL on NOSCRIPT and fails every caller of a failed call', async () => {
    let loaded = false;
    const { connection, calls } = fakeConnection((_k, args) => {
      if (!loaded) {
        loaded = true;
        throw new Error('NOSCRIPT No matching script');
      }
      return args;
    });
    const batcher = new ScriptBatcher(connection, script);
    expect(await batcher.call(['a'], [7])).toBe(7);
    expect(calls.map((c) => c.command)).toEqual(['evalsha', 'eval']);

    const broken = fakeConnection(() => {
      throw new Error('ECONNRESET');
    });
    const failing = new ScriptBatcher(broken.connection, script);
    const outcomes = await Promise.allSettled([failing.call(['a'], [1]), failing.call(['b'], [2])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });
});
