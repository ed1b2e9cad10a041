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
}

/** Declares a script. `name` must be a valid JS identifier. */
export function defineScript(name: string, numberOfKeys: number, lua: string): LuaScript {
  return Object.freeze({ name: `rediskit_${name}`, numberOfKeys, lua });
}
