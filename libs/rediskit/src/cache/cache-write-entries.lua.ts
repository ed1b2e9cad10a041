import { batchScript } from '../scripts/batch-script.js';

/**
 * Stores the cache entries written in the same tick (see ScriptBatcher), each as its own SET:
 * what the same SETs pipelined would do, in one command.
 *
 * Per entry i (counted from 1): KEYS[i] its key; ARGV[2i - 1] its encoded bytes; ARGV[2i]
 * how long Redis keeps it (ms, PX).
 * Returns 1 per entry.
 */
export const writeEntriesScript = batchScript(
  'cache_write_entries',
  `
local out = {}
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ARGV[2 * i])
  out[i] = 1
end
return out
`,
);
