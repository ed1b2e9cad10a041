import { Cluster, type Redis } from 'ioredis';
import { RediskitConnectionError, RediskitTimeoutError } from '../errors.js';
import type { RedisClient } from './client.factory.js';

/**
 * Closes one client and resolves once it is closed, within about a second whatever Redis does.
 * A ready client gets QUIT, so replies in flight still arrive; any other is disconnected at
 * once (there is nothing to say goodbye to).
 */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (isFullyReady(client)) await client.quit().catch(() => client.disconnect());
  else client.disconnect();
  endIfIdle(client);
  // Bounded by a timer that holds the event loop: an unref'd one let the process exit with
  // this promise (and the caller's boot or shutdown) never settled.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
  clearTimeout(timer);
  // Only now: ioredis arms a timer on disconnect() that a closed socket never clears.
  // Through Sentinel, ioredis keeps its failover detector's sentinel connections after QUIT
  // (they reconnect forever once the sentinels go away): disconnect() is what closes them.
  if ((client.status as string) !== 'end' || (client as Redis).options?.sentinels) client.disconnect();
  endIfIdle(client);
}

// QUIT is sent to a live server only: a cluster reports `ready` while some node connections
// are reconnecting, and QUIT queued on those would wait for a node that may never come back
// (a node never used yet, `wait`, has nothing in flight and closes at once).
function isFullyReady(client: RedisClient): boolean {
  if (client.status !== 'ready') return false;
  return !(client instanceof Cluster) || client.nodes().every((node) => node.status === 'ready' || node.status === 'wait');
}

// ioredis (6.0) does not finish a disconnect() made between two reconnect attempts: the timer
// of the next attempt is cleared but, with no socket left to close, the client never reaches
// `end`, and commands waiting in its offline queue never settle. Finish it as ioredis does
// when a socket closes after disconnect(): status `end`, waiting commands rejected.
function endIfIdle(client: RedisClient): void {
  if (client instanceof Cluster || client.status !== 'reconnecting') return;
  const internals = client as unknown as { reconnectTimeout?: unknown; setStatus?(s: string): void; flushQueue?(e: Error): void };
  if (internals.reconnectTimeout || typeof internals.setStatus !== 'function' || typeof internals.flushQueue !== 'function') return;
  internals.setStatus('end');
  internals.flushQueue(new Error('Connection is closed.'));
}

// Waiters share one promise per client, settled by its next `ready` (or `end`).
const readiness = new WeakMap<RedisClient, Promise<void>>();

/** Resolves once `client` is ready; `RediskitTimeoutError` after `ms`, `RediskitConnectionError` if it ends. */
export function readyWithin(client: RedisClient, ms: number, address: string): Promise<void> {
  if (client.status === 'end') return Promise.reject(new RediskitConnectionError(`Redis connection to ${address} is closed`));
  let ready = readiness.get(client);
  if (!ready) {
    ready = new Promise<void>((resolve, reject) => {
      const done = () => {
        client.off('ready', onReady);
        client.off('end', onEnd);
        readiness.delete(client);
      };
      const onReady = () => (done(), resolve());
      const onEnd = () => (done(), reject(new RediskitConnectionError(`Redis connection to ${address} is closed`)));
      client.on('ready', onReady);
      client.on('end', onEnd);
    });
    ready.catch(() => undefined);
    readiness.set(client, ready);
  }
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RediskitTimeoutError(`Redis at ${address} was not ready within ${ms}ms (${client.status})`)), ms);
    ready.then(
      () => (clearTimeout(timer), resolve()),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
