import { defineScript } from '../scripts/lua-script.js';

/**
 * Appends events to the stream, in order, in one call (all or none), trimming it to about
 * `maxlen` entries (MAXLEN ~: whole macro nodes, cheap).
 *
 * KEYS[1] the event stream
 * ARGV[1] maxlen
 * ARGV[2] the emitting instance's id (field `o`)
 * ARGV[3], ARGV[4]... pairs of event name (field `n`) and JSON payload (field `p`)
 * ARGV[#ARGV] deadline (Redis ms): run later, the script appends nothing (the caller retries)
 *
 * Returns the id of the last entry appended.
 */
export const invalidationAppendScript = defineScript(
  'invalidation_append',
  1,
  `
local id = ''
for i = 3, #ARGV - 2, 2 do
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'o', ARGV[2], 'n', ARGV[i], 'p', ARGV[i + 1])
end
return id
`,
  { deadline: true },
);
