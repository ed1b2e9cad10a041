import { Command } from 'ioredis';
import type { RedisClient } from '../connection/client.factory.js';

/**
 * Sends one command at once, past ioredis' auto-pipelining, which holds commands until
 * `setImmediate` to gather the tick's others into a pipeline. A batcher's command already is
 * the tick's gathering: held back, it would reach Redis only after the rest of the event loop
 * turn, with a pipeline of its own to build, and Redis would sit idle meanwhile (the `cache`,
 * `rate-limit`, `lock` and `pubsub` benches measure it). Like any command of the client, it
 * goes through `sendCommand` (metrics see it; a cluster follows MOVED/ASK) and takes the
 * client's `keyPrefix`. `buffers`: bulk replies stay Buffers.
 */
export function sendNow<T>(client: RedisClient, name: string, args: (string | number | Buffer)[], buffers = false): Promise<T> {
  const command = new Command(name, args, { replyEncoding: buffers ? null : 'utf8', keyPrefix: client.options.keyPrefix });
  return client.sendCommand(command) as Promise<T>;
}
