/**
 * Scripts with side effects (consuming quota, taking or extending a lock, creating or rotating
 * a session, appending to an inbox) carry a deadline in Redis time as their last ARGV. A
 * script that runs after it — a hung server waking up, a command sent in the tick the
 * connection broke — changes nothing and answers an `EXPIRED` error, so a caller that gave up
 * at the end of its budget (and let a failure policy decide) is never overtaken by its own
 * call. The prologue also sets `now` (ms) from Redis' TIME for the script's body.
 */
export const LUA_DEADLINE_PROLOGUE = `
local deadline_time = redis.call('TIME')
local now = tonumber(deadline_time[1]) * 1000 + math.floor(tonumber(deadline_time[2]) / 1000)
if now > tonumber(ARGV[#ARGV]) then
  return redis.error_reply('EXPIRED the call reached Redis after its deadline: nothing was changed')
end
`;

/** True for the error a script answers when it ran after its deadline. */
export const isExpiredReply = (message: string): boolean => message.startsWith('EXPIRED ');

/**
 * The part of its budget a call may spend before its script must have run: the rest covers
 * the reply's way back, so a script that ran in time is not reported late to its caller.
 */
export function deadlineWithin(redisNow: number, budgetMs: number): number {
  return Math.floor(redisNow + budgetMs - Math.min(50, budgetMs / 10));
}
