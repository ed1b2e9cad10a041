import { createHash } from 'node:crypto';
import type { RedisClient } from '../connection/client.factory.js';
import { LUA_DEADLINE_PROLOGUE } from './deadline.js';
import type { ScriptArg } from './script-runner.js';
import { sendNow } from './send-now.js';

/**
 * A script whose KEYS and ARGV hold a variable number of entries (one per caller of a batch),
 * so it cannot be an ioredis `defineCommand` with a fixed key count. It is sent as EVALSHA and
 * falls back to EVAL when the server's script cache is empty (restart, SCRIPT FLUSH).
 */
export interface BatchScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
  /** The script takes a deadline in Redis time as its last ARGV (added by the batcher). */
  readonly deadline: boolean;
}

/**
 * Declares a batch script; `lua` documents its KEYS and ARGV layout on top of its file. With
 * `deadline`, the script gets {@link LUA_DEADLINE_PROLOGUE} and its batcher appends the deadline
 * after the entries' ARGV.
 */
export function batchScript(name: string, body: string, options: { deadline?: boolean } = {}): BatchScript {
  const deadline = options.deadline ?? false;
  const lua = deadline ? LUA_DEADLINE_PROLOGUE + body : body;
  return Object.freeze({ name, lua, sha: createHash('sha1').update(lua).digest('hex'), deadline });
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

/** Runs `script` on `redis`. On a cluster every key must be in one slot; the caller groups entries by slot. */
export function runBatchScript<T>(redis: RedisClient, script: BatchScript, keys: string[], args: ScriptArg[]): Promise<T> {
  return sendNow<T>(redis, 'evalsha', [script.sha, keys.length, ...keys, ...args]).catch((error: unknown) => {
    if (!isNoScript(error)) throw error;
    return sendNow<T>(redis, 'eval', [script.lua, keys.length, ...keys, ...args]);
  });
}
