// Fields of a Node.js system error (ECONNREFUSED, ETIMEDOUT...) that say where and why, never what was sent.
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'address', 'port'] as const;

/**
 * A copy of an error from the Redis client that is safe to attach as a `cause`, log or print:
 * its name, message and stack, the fields of a system error, and nothing else. ioredis puts
 * the failed command on its errors (`command.args`), and the connection handshake (`HELLO 3
 * AUTH user password`, `AUTH password`) carries the password there; a cluster's
 * "all nodes failed" error keeps the last node's error, arguments included. `util.inspect`
 * prints all of that, so such errors never leave the connection layer as they are.
 *
 * @example
 * throw new RediskitConnectionError(`Redis at ${where} refused the credentials`, { cause: redactedError(e) });
 */
export function redactedError(error: unknown): Error | undefined {
  if (error === undefined || error === null) return undefined;
  if (!(error instanceof Error)) return new Error(String(error));
  const copy = new Error(error.message);
  Object.defineProperty(copy, 'name', { value: error.name, enumerable: false, configurable: true, writable: true });
  if (error.stack !== undefined) copy.stack = error.stack;
  const source = error as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const field of SAFE_FIELDS) if (source[field] !== undefined) target[field] = source[field];
  // Which command failed is useful; its arguments are not kept.
  const command = source.command as { name?: unknown } | undefined;
  if (command && typeof command.name === 'string') target.command = command.name;
  return copy;
}
