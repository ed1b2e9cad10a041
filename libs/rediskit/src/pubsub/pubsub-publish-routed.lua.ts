import { defineScript } from '../scripts/lua-script.js';

/**
 * A classic PUBLISH on a cluster, sent to the master that owns the channel's slot. ioredis
 * sends a keyless PUBLISH to a random node, and messages entering the cluster bus at different
 * nodes can overtake each other; naming the channel as the key makes every message of one
 * channel enter at the same node, so they arrive in the order they were published.
 *
 * KEYS[1]  the channel (used for routing only; no key is read or written)
 * ARGV[1]  the message
 *
 * Returns the number of receivers on that node.
 */
export const publishRoutedScript = defineScript('pubsub_publish_routed', 1, `return redis.call('PUBLISH', KEYS[1], ARGV[1])`);
