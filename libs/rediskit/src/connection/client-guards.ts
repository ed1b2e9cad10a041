import type { Logger } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import { RediskitConnectionError } from '../errors.js';
import type { RedisClient } from './client.factory.js';

/** What the guards of one connection's clients share. */
export interface GuardContext {
  readonly address: string;
  readonly logger: Logger;
  /** A socket not ready within this is dropped (see {@link dropIfNotReady}). */
  readonly commandTimeout: number;
  /** The pause before an ended client is started again. */
  readonly reviveDelay: number;
  /** True once the connection was closed on purpose. */
  closed(): boolean;
}

/**
 * Guards a client of a connection against ioredis' failure modes: one log line per outage,
 * clients ended by a race are revived, hung servers are dropped. Returns the client.
 */
export function guardClient<C extends RedisClient>(client: C, context: GuardContext, outage: { logged: boolean }): C {
  logOncePerOutage(client, context, outage);
  if (!(client instanceof Cluster)) dropIfNotReady(client, context);
  reviveIfEnded(client, context);
  return client;
}

// One log line per outage rather than one per reconnect attempt.
function logOncePerOutage(client: RedisClient, { address, logger }: GuardContext, outage: { logged: boolean }): void {
  client.on('error', (err: Error) => {
    if (outage.logged) return;
    outage.logged = true;
    logger.warn(`${address}: ${err.message}`);
  });
  client.on('ready', () => {
    if (outage.logged) logger.log(`${address}: connection restored`);
    outage.logged = false;
  });
}

// ioredis ends a client for good in a few races: through Sentinel, a failover detected while
// the client is reconnecting makes its pending connect fail with "Connection is closed." and
// leaves it in `end`, never to reconnect. A client that was in service and that we did not
// close is started again, after the reconnect backoff's base delay.
function reviveIfEnded(client: RedisClient, context: GuardContext): void {
  let served = false;
  client.on('ready', () => (served = true));
  client.on('end', () => {
    if (!served || context.closed()) return;
    setTimeout(() => {
      if (!context.closed() && client.status === 'end') client.connect().catch(() => undefined);
    }, context.reviveDelay).unref();
  });
}

// A hung server (SIGSTOP, a stuck VM) still accepts TCP, so a reconnect "connects" and then
// waits forever for the ready check while queued commands wait with it. Dropping a socket
// that is not ready within commandTimeout turns that into failed attempts, which end in
// MaxRetriesPerRequest errors instead of a hang.
function dropIfNotReady(client: Redis, { address, commandTimeout }: GuardContext): void {
  let timer: NodeJS.Timeout | undefined;
  const clear = () => clearTimeout(timer);
  client.on('connect', () => {
    clear();
    timer = setTimeout(() => client.status === 'connect' && client.stream?.destroy(new Error(`not ready within ${commandTimeout}ms`)), commandTimeout);
    timer.unref();
  });
  client.on('ready', clear);
  client.on('close', () => {
    clear();
    // ioredis parks the commands in flight at a disconnect until the next `ready`, where with
    // autoResendUnfulfilledCommands off it drops them unanswered; a hung server is never
    // ready at all. Fail them now: they may or may not have run, the caller decides.
    const internals = client as unknown as { prevCommandQueue?: { length: number; shift(): { command: { reject(e: Error): void } } } | null };
    const parked = internals.prevCommandQueue;
    if (!parked?.length) return;
    internals.prevCommandQueue = null;
    const error = new RediskitConnectionError(`Connection to ${address} lost before the reply`);
    while (parked.length > 0) parked.shift().command.reject(error);
  });
}
