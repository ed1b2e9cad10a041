import { createHash } from 'node:crypto';

/** Why a header value is not a key. */
export type KeyProblem = 'empty' | 'too long' | 'malformed';

// The draft's syntax is a Structured Field string (RFC 8941 §3.3.3): "..." with \" and \\
// escapes, printable ASCII inside. Many clients send the bare value (Stripe's style): accepted
// when it is a plain token, so a UUID works either way and means the same key.
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;
const BARE = /^[A-Za-z0-9._~:+/=-]+$/;

/**
 * The key a header value carries, or the problem with it. Surrounding spaces are ignored (an
 * HTTP field value's own whitespace); `maxLength` counts the key's characters, unquoted.
 *
 * @example
 * parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"', 255)  // { key: '8e03978e-...' }
 * parseIdempotencyKey('a b', 255)                                      // { problem: 'malformed' }
 */
export function parseIdempotencyKey(value: string, maxLength: number): { key: string } | { problem: KeyProblem } {
  const text = value.trim();
  if (text.length === 0 || text === '""') return { problem: 'empty' };
  // Checked before the patterns, so a huge value costs one comparison.
  if (text.length > maxLength * 2 + 2) return { problem: 'too long' };
  const quoted = SF_STRING.exec(text);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : BARE.test(text) ? text : undefined;
  if (key === undefined) return { problem: 'malformed' };
  if (key.length === 0) return { problem: 'empty' };
  if (key.length > maxLength) return { problem: 'too long' };
  return { key };
}

/**
 * Where a key lives: a hash of the client's identity and the key, so neither reaches Redis
 * and two clients' keys can never meet (the parts are length-prefixed: no pair of different
 * identities and keys hashes the same text).
 */
export function recordId(client: string, key: string): string {
  return createHash('sha256').update(`${client.length}:${client}\n${key}`).digest('base64url');
}
