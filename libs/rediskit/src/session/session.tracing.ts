import { redisSpanAttributes } from '../tracing/span-attributes.js';
import { Tracing } from '../tracing/tracing.js';

/**
 * Spans of session operations: `rediskit.session.read` (get and touch), `.create`, `.rotate`,
 * with what happened (found, rotated). Tokens, their hashes (the session ids) and user ids
 * are never recorded.
 */
export class SessionTracing {
  constructor(private readonly tracing: Tracing = Tracing.off) {}

  read<S>(touch: boolean, run: () => Promise<S | null>): Promise<S | null> {
    return this.tracing.trace('rediskit.session.read', 'client', redisSpanAttributes('session.read', { 'rediskit.session.touch': touch }), async (span) => {
      const session = await run();
      span?.setAttribute('rediskit.session.found', session !== null);
      return session;
    });
  }

  create<S>(run: () => Promise<S>): Promise<S> {
    return this.tracing.trace('rediskit.session.create', 'client', redisSpanAttributes('session.create'), run);
  }

  rotate<S>(run: () => Promise<S | null>): Promise<S | null> {
    return this.tracing.trace('rediskit.session.rotate', 'client', redisSpanAttributes('session.rotate'), async (span) => {
      const rotated = await run();
      span?.setAttribute('rediskit.session.rotated', rotated !== null);
      return rotated;
    });
  }
}
