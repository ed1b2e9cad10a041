import { RediskitArgumentError } from '../errors.js';
import { assertWellFormed } from '../keyspace/keyspace.js';

// What SessionService accepts from callers: checked before any Redis call, with an error
// that names the argument.
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const FACTOR = /^[A-Za-z0-9_.-]{1,64}$/;

/** `userId` as stored: a non-empty string of at most 256 characters (numbers are turned into one). */
export function userIdOf(userId: string | number): string {
  const uid = typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : userId;
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 256) {
    throw new RediskitArgumentError('userId', `must be a non-empty string (at most 256 characters) or a number, got ${JSON.stringify(userId)}`);
  }
  assertWellFormed(uid, 'userId');
  return uid;
}

/** Throws unless `sessionId` has the form of a public session id (from `listForUser`). */
export function checkSessionId(sessionId: string): void {
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) throw new RediskitArgumentError('sessionId', 'must be a session id from listForUser');
}

/** Throws unless `factor` is a step-up factor name. */
export function checkFactor(factor: string): void {
  if (typeof factor !== 'string' || !FACTOR.test(factor)) {
    throw new RediskitArgumentError('factor', `must be 1-64 characters of letters, digits, '_', '-' or '.', got ${JSON.stringify(factor)}`);
  }
}

/** Throws unless `patch` can be given to `update`: an object to merge or a function of the data. */
export function checkPatch(patch: unknown): void {
  if (patch === null || (typeof patch !== 'object' && typeof patch !== 'function')) {
    throw new RediskitArgumentError('patch', 'must be an object or a function of the current data');
  }
}

/** `data` with `patch` merged in (objects only). */
export function mergePatch<T>(data: T, patch: Partial<T>): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Array.isArray(patch)) {
    throw new RediskitArgumentError('patch', 'can only be merged into object data; pass a function to replace other data');
  }
  return { ...data, ...patch };
}
