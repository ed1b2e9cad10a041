import { createHash, randomBytes } from 'node:crypto';

/** Random bytes in a token: 256 bits from the OS CSPRNG. */
export const TOKEN_RANDOM_BYTES = 32;
/** Length of the routing prefix (see {@link sessionBucket}). */
export const BUCKET_LENGTH = 2;
/** A token is the 2-character bucket of its user followed by 43 base64url characters of randomness. */
export const TOKEN_LENGTH = BUCKET_LENGTH + Math.ceil((TOKEN_RANDOM_BYTES * 8) / 6);

const WELL_FORMED = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LENGTH}}$`);

/**
 * The routing bucket of a user: 2 base64url characters (12 bits) of SHA-256(userId). Every key
 * of one user's sessions carries this bucket as its cluster hash tag, so creation, eviction,
 * rotation and "log out everywhere" are single Lua scripts on one slot; the bucket is also the
 * first 2 characters of each of the user's tokens, so `get(token)` finds the slot without a
 * lookup. It reveals 12 bits of a hash of the user id, never the id itself.
 */
export function sessionBucket(userId: string): string {
  return createHash('sha256').update(userId).digest('base64url').slice(0, BUCKET_LENGTH);
}

/** A new session token for a user in `bucket`: the bucket + 256 CSPRNG bits, base64url. */
export function generateToken(bucket: string): string {
  return bucket + randomBytes(TOKEN_RANDOM_BYTES).toString('base64url');
}

/** True when `token` has the shape of a token this library issues (checked before any Redis call). */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && token.length === TOKEN_LENGTH && WELL_FORMED.test(token);
}

/** The session id stored in Redis: base64url SHA-256 of the token (the token itself is never stored). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The bucket a well-formed token routes to. */
export function bucketOf(token: string): string {
  return token.slice(0, BUCKET_LENGTH);
}
