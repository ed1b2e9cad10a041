import { defineScript } from '../scripts/lua-script.js';

/**
 * Records a step-up verification (biometric, WebAuthn...) on a live session, valid for its own
 * TTL but never past the session's absolute deadline. Verifications live in one field `v`,
 * `factor=until;factor=until`, so reading a session is one HMGET; lapsed entries are dropped here.
 *
 * KEYS[1]  the session: HASH
 * ARGV[1]  the factor (letters, digits, _ - .)
 * ARGV[2]  how long the verification holds (ms)
 * Returns  the time (ms) until which it holds, or 0 when the session is gone
 */
export const sessionVerifyScript = defineScript(
  'session_verify',
  1,
  `
local s = redis.call('HMGET', KEYS[1], 'x', 'v')
if not s[1] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = math.min(now + tonumber(ARGV[2]), tonumber(s[1]))
local kept = {}
for entry in string.gmatch(s[2] or '', '[^;]+') do
  local factor, at = string.match(entry, '^(.+)=(%d+)$')
  if factor and factor ~= ARGV[1] and tonumber(at) > now then kept[#kept + 1] = entry end
end
kept[#kept + 1] = ARGV[1] .. '=' .. string.format('%d', untilMs)
redis.call('HSET', KEYS[1], 'v', table.concat(kept, ';'))
return untilMs
`,
);
