import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError, RediskitCircuitOpenError } from '../errors.js';
import { CircuitBreaker, type CircuitStateName } from './circuit-breaker.js';

const fail = () => Promise.reject(new Error('ECONNRESET'));
const replyError = () => Promise.reject(Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' }));
const ok = () => Promise.resolve('ok');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A probe whose answer the test decides. */
function redisThat(answers: { up: boolean }) {
  let probes = 0;
  return {
    probe: () => (probes++, answers.up ? Promise.resolve('PONG') : Promise.reject(new Error('ECONNREFUSED'))),
    get probes() {
      return probes;
    },
  };
}

describe('CircuitBreaker', () => {
  it('opens after the threshold, fails fast without calling, and closes when its own probe answers', async () => {
    const redis = { up: false };
    const probe = redisThat(redis);
    const breaker = new CircuitBreaker('t', { failureThreshold: 2, recoveryTimeout: 20 }, probe.probe);
    const states: CircuitStateName[] = [];
    breaker.onStateChange((s) => states.push(s));
    await expect(breaker.execute(fail)).rejects.toThrow('ECONNRESET');
    await expect(breaker.execute(fail)).rejects.toThrow('ECONNRESET');
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(breaker.execute(() => ((called = true), ok()))).rejects.toBeInstanceOf(RediskitCircuitOpenError);
    expect(called).toBe(false);
    await sleep(60); // probes fail: still open, and no user call went through
    expect(probe.probes).toBeGreaterThanOrEqual(1);
    expect(breaker.state).not.toBe('closed');
    redis.up = true;
    for (let i = 0; i < 50 && breaker.state !== 'closed'; i++) await sleep(10);
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(states.slice(0, 3)).toEqual(['open', 'half-open', 'open']);
    expect(states.at(-1)).toBe('closed');
    breaker.dispose();
  });

  it('probes at once when nudged (the connection is ready again)', async () => {
    const probe = redisThat({ up: true });
    const breaker = new CircuitBreaker('t', { failureThreshold: 1, recoveryTimeout: 60_000 }, probe.probe);
    await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('open');
    breaker.nudge();
    await sleep(0);
    expect(breaker.state).toBe('closed');
    breaker.dispose();
  });

  it('does not count Redis reply errors or argument errors: the server answered, or was never asked', async () => {
    const breaker = new CircuitBreaker('t', { failureThreshold: 1 }, redisThat({ up: true }).probe);
    await breaker.execute(replyError).catch(() => undefined);
    await breaker.execute(() => Promise.reject(new RediskitArgumentError('key', 'is bad'))).catch(() => undefined);
    await sleep(0);
    expect(breaker.state).toBe('closed');
  });

  it('serves the fallback while open', async () => {
    const breaker = new CircuitBreaker('t', { failureThreshold: 1, recoveryTimeout: 60_000 }, redisThat({ up: false }).probe);
    breaker.recordFailure(new Error('ECONNRESET'));
    await expect(breaker.execute(ok, () => 'fallback')).resolves.toBe('fallback');
    breaker.dispose();
  });

  it('can be opened (isolated, no probes) and closed by hand', async () => {
    const probe = redisThat({ up: true });
    const breaker = new CircuitBreaker('t', {}, probe.probe);
    breaker.open();
    expect(breaker.state).toBe('isolated');
    breaker.nudge();
    await sleep(10);
    expect(probe.probes).toBe(0);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(RediskitCircuitOpenError);
    breaker.close();
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('never opens when disabled', async () => {
    const breaker = new CircuitBreaker('t', false, redisThat({ up: true }).probe);
    for (let i = 0; i < 20; i++) await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('closed');
  });
});
