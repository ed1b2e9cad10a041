import { RediskitError } from '../errors.js';

/**
 * A message is larger than `pubsub.maxMessageSize` once encoded: it was not sent. Redis would
 * take it, then drop every subscriber it cannot hand it to within its `client-output-buffer-limit
 * pubsub` (by default 32 MiB at once, or 8 MiB for a minute) with every message they had not
 * read yet. `target` names the channel (never a user id).
 *
 * @example
 * try { await pubsub.publish('reports', huge) } catch (e) { if (e instanceof RediskitMessageTooLargeError) log(e.size, e.maxSize) }
 */
export class RediskitMessageTooLargeError extends RediskitError {
  constructor(
    readonly target: string,
    readonly size: number,
    readonly maxSize: number,
  ) {
    super('MESSAGE_TOO_LARGE', `Message for ${target} is ${size} bytes encoded, over pubsub.maxMessageSize (${maxSize} bytes)`);
  }
}
