import { defineScript } from '../scripts/lua-script.js';

/**
 * Ends a claim, only when this request still owns it (its marker did not expire and no other
 * request claimed the key since): stores the response and keeps it for the TTL, or releases
 * the key (the handler threw: the client may try again).
 *
 * KEYS[1] the record (see idempotency-begin.lua.ts)
 * ARGV[1] the owner token given to begin
 * ARGV[2] the stored response, or '' to release the key
 * ARGV[3] how long the response is kept, in ms
 * ARGV[4] deadline (Redis ms): run later, the script changes nothing
 *
 * Returns 1 when done, 0 when the claim was no longer this request's.
 */
export const idempotencyFinishScript = defineScript(
  'idempotency_finish',
  1,
  `
local v = redis.call('HMGET', KEYS[1], 'st', 'tk')
if v[1] ~= 'p' or v[2] ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HSET', KEYS[1], 'st', 'd', 'r', ARGV[2])
redis.call('HDEL', KEYS[1], 'tk')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
  { deadline: true },
);
