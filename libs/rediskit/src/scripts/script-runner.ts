import calculateSlot from 'cluster-key-slot';
import type { RedisClient } from '../connection/client.factory.js';
import { RediskitArgumentError } from '../errors.js';
import type { LuaScript } from './lua-script.js';

export type ScriptArg = string | number | Buffer;

/**
 * Runs Lua scripts on one client. Each script is defined once per client with ioredis
 * `defineCommand`, which sends EVALSHA and falls back to EVAL on NOSCRIPT (after a restart or
 * SCRIPT FLUSH). Multi-key calls are checked to hit one slot, so a script that works on a
 * single Redis cannot fail with CROSSSLOT on a cluster.
 */
export class ScriptRunner {
  private readonly defined = new Set<string>();

  constructor(private readonly client: RedisClient) {}

  run<T = unknown>(script: LuaScript, keys: string[], args: ScriptArg[] = []): Promise<T> {
    return this.command<T>(script, keys, '').call(this.client, ...keys, ...args);
  }

  /** Same as {@link run} but bulk-string replies come back as Buffers. */
  runBuffer<T = unknown>(script: LuaScript, keys: string[], args: ScriptArg[] = []): Promise<T> {
    return this.command<T>(script, keys, 'Buffer').call(this.client, ...keys, ...args);
  }

  /**
   * Defines scripts up front (otherwise each is defined on its first call). An auto-pipeline
   * copies the client's commands when it is created, so one created earlier in the same tick
   * lacks a script defined after it: ioredis then throws "pipeline[functionName] is not a
   * function" and, worse, an uncaught TypeError when that pipeline's replies come back. Pending
   * auto-pipelines therefore get the new command too.
   */
  define(...scripts: LuaScript[]): this {
    for (const script of scripts) {
      if (this.defined.has(script.name)) continue;
      this.client.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
      this.defined.add(script.name);
      const client = this.client as unknown as Record<string, unknown> & { _autoPipelines?: Map<string, Record<string, unknown>> };
      for (const pipeline of client._autoPipelines?.values() ?? []) {
        pipeline[script.name] ??= client[script.name];
        pipeline[script.name + 'Buffer'] ??= client[script.name + 'Buffer'];
      }
    }
    return this;
  }

  private command<T>(script: LuaScript, keys: string[], suffix: '' | 'Buffer'): (...a: ScriptArg[]) => Promise<T> {
    if (keys.length !== script.numberOfKeys) {
      throw new RediskitArgumentError(`${script.name} keys`, `must be ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    assertOneSlot(script, keys);
    if (!this.defined.has(script.name)) this.define(script);
    return (this.client as unknown as Record<string, (...a: ScriptArg[]) => Promise<T>>)[script.name + suffix];
  }
}

function assertOneSlot(script: LuaScript, keys: string[]): void {
  if (keys.length < 2) return;
  const slot = calculateSlot(keys[0]);
  for (let i = 1; i < keys.length; i++) {
    if (calculateSlot(keys[i]) !== slot) {
      throw new RediskitArgumentError(`${script.name} keys`, `must share one cluster slot (use Keyspace.slotted): ${keys.join(', ')}`);
    }
  }
}
