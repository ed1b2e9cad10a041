import { LUA_DEADLINE_PROLOGUE } from './deadline.js';

/**
 * A Lua script run by EVALSHA. Each script lives in its own file with its KEYS and ARGV
 * documented at the top; every key a script touches must be passed in KEYS and share one
 * cluster slot (build them with `Keyspace.slotted`).
 */
export interface LuaScript {
  /** Unique name; becomes the ioredis command name. */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  /** The script takes a deadline in Redis time as its last ARGV (added by the connection). */
  readonly deadline: boolean;
}

/**
 * Declares a script. `name` must be a valid JS identifier. With `deadline`, the script gets
 * {@link LUA_DEADLINE_PROLOGUE} and the connection appends the deadline to its ARGV.
 */
export function defineScript(name: string, numberOfKeys: number, lua: string, options: { deadline?: boolean } = {}): LuaScript {
  const deadline = options.deadline ?? false;
  return Object.freeze({ name: `rediskit_${name}`, numberOfKeys, lua: deadline ? LUA_DEADLINE_PROLOGUE + lua : lua, deadline });
}
