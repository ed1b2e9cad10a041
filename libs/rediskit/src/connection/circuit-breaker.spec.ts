import { describe, expect, it } from '@jest/globals';
import { RediskitCircuitOpenError } from '../errors.js';
import { CircuitBreaker, type CircuitStateName } from './circuit-breaker.js';

const fail = () => Promise.reject(new Error('ECONNRESET'));
const replyError = () => Promise.reject(Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' }));
const ok = () => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('opens after the threshold, fails fast, half-opens after the recovery time and closes on success', async () => {
    const breaker = new CircuitBreaker('t', { failureThreshold: 2, recoveryTimeout: 30 });
    const states: CircuitStateName[] = [];
    breaker.onStateChange((s) => states.push(s));
    await expect(breaker.execute(fail)).rejects.toThrow('ECONNRESET');
    await expect(breaker.execute(fail)).rejects.toThrow('ECONNRESET');
    await Promise.resolve();
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(breaker.execute(() => ((called = true), ok()))).rejects.toBeInstanceOf(RediskitCircuitOpenError);
    expect(called).toBe(false);
    await new Promise((r) => setTimeout(r, 40));
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    await Promise.resolve();
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('lets one trial through while half-open and reopens when it fails', async () => {
    const breaker = new CircuitBreaker('t', { failureThreshold: 1, recoveryTimeout: 10 });
    await breaker.execute(fail).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const trial = breaker.execute(fail);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(RediskitCircuitOpenError);
    await trial.catch(() => undefined);
    await Promise.resolve();
    expect(breaker.state).toBe('open');
  });

  it('does not count Redis reply errors: the server answered', async () => {
    const breaker = new CircuitBreaker('t', { failureThreshold: 1 });
    await breaker.execute(replyError).catch(() => undefined);
    await Promise.resolve();
    expect(breaker.state).toBe('closed');
  });

  it('counts calls made while disconnected at once and serves the fallback when open', async () => {
    let connected = false;
    const breaker = new CircuitBreaker('t', { failureThreshold: 2 }, () => connected);
    const never = () => new Promise<string>(() => undefined); // would sit in the offline queue
    void breaker.execute(never);
    await expect(breaker.execute(never, () => 'fallback')).resolves.toBe('fallback');
    expect(breaker.state).toBe('open');
    connected = true;
    breaker.close();
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('can be opened and closed by hand', async () => {
    const breaker = new CircuitBreaker('t');
    breaker.open();
    expect(breaker.state).toBe('isolated');
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(RediskitCircuitOpenError);
    breaker.close();
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('passes everything through when disabled', async () => {
    const breaker = new CircuitBreaker('t', false, () => false);
    for (let i = 0; i < 10; i++) await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('closed');
  });
});
