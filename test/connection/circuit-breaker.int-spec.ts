import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RediskitCircuitOpenError, type CircuitStateName } from 'nestjs-rediskit';
import { RedisConnection } from '../internals.js';
import { RedisServer, waitFor } from '../harness/index.js';

describe('circuit breaker against a real Redis', () => {
  let server: RedisServer;
  let connection: RedisConnection;

  beforeAll(async () => {
    server = await RedisServer.start();
    connection = new RedisConnection('cb', { url: server.url, commandTimeout: 300, maxRetriesPerRequest: 0 }, { failureThreshold: 3, recoveryTimeout: 300 });
    await connection.connect(2000);
  });
  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('opens after N failures, fails fast while open, half-opens and closes after recovery', async () => {
    const states: CircuitStateName[] = [];
    connection.breaker.onStateChange((s) => states.push(s));
    expect(await connection.run((c) => c.ping())).toBe('PONG');

    await server.stop();
    await waitFor(() => !connection.isReady, 5000, 'client to notice the stop');
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) errors.push(await connection.run((c) => c.get('k')).catch((e) => e));
    expect(connection.breaker.state).toBe('open');

    let sent = false;
    const fast = await connection.run((c) => ((sent = true), c.get('k'))).catch((e) => e);
    expect(fast).toBeInstanceOf(RediskitCircuitOpenError);
    expect(sent).toBe(false);

    await server.restart();
    await waitFor(() => connection.isReady, 10_000, 'reconnect');
    await waitFor(async () => (await connection.run((c) => c.ping()).catch(() => null)) === 'PONG', 5000, 'trial call to close the circuit');
    expect(connection.breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });
});
