import { defineScript } from '../scripts/lua-script.js';

/**
 * A classic PUBLISH on a cluster, sent to the master that owns the channel's slot. ioredis
 * sends a keyless PUBLISH to a random node, and messages entering the cluster bus at different
 * nodes can overtake each other; naming the channel as the key makes every message of one
 * channel enter at the same node, so they arrive in the order they were published.
 *
 * It carries a deadline (scripts/deadline.ts): ioredis' cluster client sends a command that
 * met a closed node connection again once the cluster is back, which can be long after the
 * publisher was told it failed; run then, the script publishes nothing.
 *
 * KEYS[1]  the channel (used for routing only; no key is read or written)
 * ARGV[1]  the message
 * ARGV[2]  the deadline (Redis ms)
 *
 * Returns the number of receivers on that node.
 */
export const publishRoutedScript = defineScript('pubsub_publish_routed', 1, `return redis.call('PUBLISH', KEYS[1], ARGV[1])`, { deadline: true });
