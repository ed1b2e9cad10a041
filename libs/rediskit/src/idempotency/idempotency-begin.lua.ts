import { defineScript } from '../scripts/lua-script.js';

/**
 * Claims a key for a request, or says what the key already holds. One key per record (a hash),
 * so the script runs on any cluster node. A new claim is an in-progress marker that expires
 * after the in-progress TTL: a request whose instance died frees its key then.
 *
 * KEYS[1] the record (hash: st 'p' in progress | 'd' done, fp fingerprint, tk owner token, r response)
 * ARGV[1] the request's fingerprint
 * ARGV[2] a token that proves this request owns the claim
 * ARGV[3] in-progress TTL in ms
 * ARGV[4] deadline (Redis ms): run later, the script claims nothing
 *
 * Returns { 'run' } (claimed: run the handler), { 'mismatch' } (another fingerprint),
 * { 'busy', ms left on the marker } (in progress elsewhere), { 'done', stored response }.
 */
export const idempotencyBeginScript = defineScript(
  'idempotency_begin',
  1,
  `
local v = redis.call('HMGET', KEYS[1], 'st', 'fp', 'r')
if not v[1] then
  redis.call('HSET', KEYS[1], 'st', 'p', 'fp', ARGV[1], 'tk', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return { 'run' }
end
if v[2] ~= ARGV[1] then return { 'mismatch' } end
if v[1] == 'p' then return { 'busy', redis.call('PTTL', KEYS[1]) } end
return { 'done', v[3] or '' }
`,
  { deadline: true },
);
