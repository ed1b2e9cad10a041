import { encodeKeyPart } from '../keyspace/keyspace.js';

/**
 * Turns a user's key glob (`*` and `?` wildcards) into a Redis MATCH pattern over encoded keys:
 * literal runs are encoded exactly as keys are, so `user:*` matches the stored `user%3A42`,
 * and a literal `[` or `{` can never act as a glob class or hash tag.
 */
export function encodeGlob(glob: string, separator = ':'): string {
  let out = '';
  for (const piece of glob.split(/([*?])/)) {
    if (piece === '*' || piece === '?') out += piece;
    else if (piece.length > 0) out += encodeKeyPart(piece, separator);
  }
  return out;
}

/** A RegExp equivalent to a Redis glob using `*`, `?` and `\` escapes (what rediskit builds). */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '\\' && i + 1 < pattern.length) source += escape(pattern[++i]);
    else source += escape(ch);
  }
  return new RegExp(`^${source}$`, 's');
}

function escape(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}
