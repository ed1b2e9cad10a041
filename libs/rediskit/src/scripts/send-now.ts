import { Command } from 'ioredis';
import type { RedisClient } from '../connection/client.factory.js';

/**
 * Sends one command at once, past ioredis' auto-pipelining, which holds commands until
 * `setImmediate` to gather the tick's others into a pipeline. A batcher's command already is
 * the tick's gathering: held back, it would reach Redis only after the rest of the event loop
 * turn, with a pipeline of its own to build, and Redis would sit idle meanwhile (the `cache`,
 * `rate-limit`, `lock` and `pubsub` benches measure it). Like any command of the client, it
 * goes through `sendCommand` (metrics see it) and takes the client's `keyPrefix`.
 * `buffers`: bulk replies stay Buffers.
 *
 * A cluster keeps the auto-pipeline: after a failover its slot map is stale, and commands
 * sent one by one that meet MOVED are sent again each on its own, in no set order, where a
 * node's pipeline is sent again whole (the pub/sub suites' order per channel depends on it).
 */
export function sendNow<T>(client: RedisClient, name: string, args: (string | number | Buffer)[], buffers = false): Promise<T> {
  if (client.isCluster) return autoPipelined<T>(client, buffers ? `${name}Buffer` : name, args);
  const command = new Command(name, args, { replyEncoding: buffers ? null : 'utf8', keyPrefix: client.options.keyPrefix });
  return client.sendCommand(command) as Promise<T>;
}

// The client's own method (`mgetBuffer`, `evalsha`, ...): `callBuffer` loses the command name
// on ioredis' auto-pipelined path.
function autoPipelined<T>(client: RedisClient, method: string, args: (string | number | Buffer)[]): Promise<T> {
  return (client as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[method](...args);
}
