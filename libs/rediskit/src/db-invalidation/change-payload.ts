import { MAX_KEY_LENGTH, MAX_PAYLOAD_BYTES } from './change-triggers.js';

/** One row change, as the trigger reports it. `id` is absent when the key was too long to send. */
export interface RowChange {
  table: string;
  op: 'insert' | 'update' | 'delete';
  id?: string;
}

const OPS = new Set(['insert', 'update', 'delete']);

/**
 * The change a notification describes, or `undefined` when it is not one the triggers send for
 * a watched table. Payloads are untrusted (anyone with database access can `NOTIFY`): the size
 * is bounded before parsing, and only the three expected fields, of the expected types and
 * lengths, are kept.
 */
export function parseChange(payload: unknown, watched: ReadonlySet<string>): RowChange | undefined {
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { t, op, id } = value as Record<string, unknown>;
  if (typeof t !== 'string' || !watched.has(t) || typeof op !== 'string' || !OPS.has(op)) return undefined;
  if (id === null || id === undefined) return { table: t, op: op as RowChange['op'] };
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_KEY_LENGTH) return undefined;
  return { table: t, op: op as RowChange['op'], id };
}
