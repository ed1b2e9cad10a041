import { describe, expect, it } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EdgePurgeAdapter } from './edge.adapter.js';
import type { EdgeMetrics } from './edge.metrics.js';
import { PurgeQueue } from './purge.queue.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const metrics = { tag: () => undefined, request: () => undefined, queue: { set: () => undefined } } as unknown as EdgeMetrics;
const logger = { warn: () => undefined } as unknown as Logger;

/** An adapter whose requests never answer: each ends only when its signal aborts. */
function silentCdn() {
  const started: AbortSignal[] = [];
  const never = (signal: AbortSignal) => {
    started.push(signal);
    return new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  };
  const adapter: EdgePurgeAdapter = { name: 'silent', maxTagsPerRequest: 10, purgeTags: (_, signal) => never(signal), purgeAll: never };
  return { adapter, started };
}

describe('PurgeQueue', () => {
  it('ends a request that never answers at its timeout, even after a garbage collection', async () => {
    const { adapter, started } = silentCdn();
    const queue = new PurgeQueue(adapter, { maxQueue: 100, attempts: 1, minDelay: 1, maxDelay: 1, timeout: 100 }, metrics, logger);
    queue.addTags(['a']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toHaveLength(1);
    gc(); // an AbortSignal.timeout inside AbortSignal.any would be collected here and never fire
    const flushed = await Promise.race([queue.flush().then(() => 'flushed'), new Promise((resolve) => setTimeout(resolve, 5000, 'still waiting'))]);
    expect(flushed).toBe('flushed');
    expect(started[0].aborted).toBe(true);
  });
});
