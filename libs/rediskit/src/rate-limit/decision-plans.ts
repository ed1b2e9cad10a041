import type { RedisClient } from '../connection/client.factory.js';
import { encodeKeyPart, type Keyspace, type KeyPart } from '../keyspace/keyspace.js';
import type { BatchScript } from '../scripts/batch-script.js';
import { ScriptBatcher } from '../scripts/script-batcher.js';
import type { LimiterConnection } from './limiter-connection.js';
import type { RawDecision } from './memory-rate-limiter.js';
import { fixedWindowScript } from './rate-limit-fixed-window.lua.js';
import { gcraScript } from './rate-limit-gcra.lua.js';
import { slidingWindowCounterScript } from './rate-limit-sliding-window-counter.lua.js';
import { slidingWindowLogScript } from './rate-limit-sliding-window-log.lua.js';
import { tokenBucketScript } from './rate-limit-token-bucket.lua.js';
import { RATE_LIMIT_REPLY } from './rate-limit.lua-prelude.js';
import { algorithmTag, RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm, type ResolvedPolicy } from './rate-limit.policy.js';

/** Key feature segment of every rate-limit key: `prefix:app:env:ratelimit:{partition}:policy:algo`. */
export const RATE_LIMIT_FEATURE = 'ratelimit';

/** The decision script of each algorithm. */
const SCRIPTS: Record<RateLimitAlgorithm, BatchScript> = {
  'fixed-window': fixedWindowScript,
  'sliding-window-log': slidingWindowLogScript,
  'sliding-window-counter': slidingWindowCounterScript,
  'token-bucket': tokenBucketScript,
  gcra: gcraScript,
};

/** What a policy sends with every decision, worked out once per policy. */
export interface DecisionPlan {
  /** Its algorithm's script, with the decisions of one tick sent as one call. */
  batcher: ScriptBatcher<RawDecision>;
  /** Appended to `:{partition}` to make the state key and (with a blockDuration) the block key. */
  suffixes: string[];
}

/**
 * Where a policy's decisions go: one {@link ScriptBatcher} per algorithm on the limiter's
 * connection, and the keys of a partition, worked out once per resolved policy.
 */
export class DecisionPlans {
  private readonly batchers: Record<RateLimitAlgorithm, ScriptBatcher<RawDecision>>;
  private readonly plans = new WeakMap<ResolvedPolicy, DecisionPlan>();

  constructor(
    link: LimiterConnection,
    private readonly keyspace: Keyspace,
    /** Called once per policy, when its plan is first made. */
    private readonly onFirstUse: (p: ResolvedPolicy) => void,
  ) {
    const target = {
      isCluster: link.connection.isCluster,
      run: <T>(fn: (c: RedisClient) => Promise<T>) => link.execute(fn),
      deadline: () => link.deadline(),
    };
    this.batchers = Object.fromEntries(
      RATE_LIMIT_ALGORITHMS.map((a) => [a, new ScriptBatcher<RawDecision>(target, SCRIPTS[a], { width: RATE_LIMIT_REPLY })]),
    ) as Record<RateLimitAlgorithm, ScriptBatcher<RawDecision>>;
  }

  /** The plan of a policy. */
  of(p: ResolvedPolicy): DecisionPlan {
    let plan = this.plans.get(p);
    if (!plan) {
      // keyspace.slotted(FEATURE, key, name, tag) with the fixed tail built once.
      const sep = this.keyspace.separator;
      const name = `${sep}${encodeKeyPart(p.name, sep)}${sep}`;
      const tag = algorithmTag(p.algorithm);
      plan = { batcher: this.batchers[p.algorithm], suffixes: p.blockMs > 0 ? [name + tag, `${name}block`] : [name + tag] };
      this.plans.set(p, plan);
      this.onFirstUse(p);
    }
    return plan;
  }

  /** The Redis keys of `key` under a plan: one hash tag, so a decision touches one cluster slot. */
  keys(key: KeyPart, plan: DecisionPlan): string[] {
    const slot = this.keyspace.slotted(RATE_LIMIT_FEATURE, key);
    return plan.suffixes.map((suffix) => slot + suffix);
  }
}
