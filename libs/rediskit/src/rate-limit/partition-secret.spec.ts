import { describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PARTITION_SECRET_REFRESH_MS, PartitionSecret } from './partition-secret.js';

/** A stand-in for the key-secret script over one stored value. */
function store(initial: string | null = null) {
  const state = { value: initial, calls: 0, down: false };
  const exchange = async (candidate: string) => {
    state.calls++;
    if (state.down) throw new Error('Connection is closed');
    state.value ??= candidate;
    return state.value;
  };
  return { state, exchange };
}

describe('PartitionSecret', () => {
  it('adopts the secret another instance stored, reading Redis once at first use', async () => {
    const { state, exchange } = store('stored-by-another-instance');
    const secret = new PartitionSecret(exchange);
    expect(state.calls).toBe(0);
    const [one, two] = await Promise.all([secret.get(), secret.get()]);
    expect(one.toString()).toBe('stored-by-another-instance');
    expect(two).toBe(one);
    expect(secret.get()).toBe(one); // known: answered synchronously
    expect(state.calls).toBe(1);
  });

  it('two instances on an empty Redis end up with one secret', async () => {
    const { state, exchange } = store();
    const [a, b] = [new PartitionSecret(exchange), new PartitionSecret(exchange)];
    const [sa, sb] = await Promise.all([a.get(), b.get()]);
    expect(sa.equals(sb)).toBe(true);
    expect(sa.toString()).toBe(state.value);
  });

  it('re-reads every minute: restores a lost secret, adopts a replaced one', async () => {
    let now = 0;
    const { state, exchange } = store();
    const secret = new PartitionSecret(exchange, undefined, () => now);
    const first = (await secret.get()).toString();
    state.value = null; // Redis lost it (flushed, restarted without persistence)
    now += PARTITION_SECRET_REFRESH_MS;
    expect((secret.get() as Buffer).toString()).toBe(first);
    await new Promise((r) => setImmediate(r));
    expect(state.value).toBe(first); // put back as it was, so the other instances keep agreeing
    state.value = 'rotated-by-an-operator';
    now += PARTITION_SECRET_REFRESH_MS;
    secret.get();
    await new Promise((r) => setImmediate(r));
    expect((secret.get() as Buffer).toString()).toBe('rotated-by-an-operator');
  });

  it('while Redis cannot be asked at first use, hashes with a per-instance secret and warns once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const { state, exchange } = store('shared');
      state.down = true;
      const secret = new PartitionSecret(exchange);
      const local = await secret.get();
      expect(local.toString()).not.toBe('shared');
      expect((await secret.get()).equals(local)).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      state.down = false;
      expect((await secret.get()).toString()).toBe('shared');
    } finally {
      warn.mockRestore();
    }
  });

  it('a configured secret is used as is, Redis is never asked', () => {
    const { state, exchange } = store('stored');
    const secret = new PartitionSecret(exchange, 'configured-secret-0123456789');
    expect((secret.get() as Buffer).toString()).toBe('configured-secret-0123456789');
    expect(state.calls).toBe(0);
  });
});
