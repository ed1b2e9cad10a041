import { Packr } from 'msgpackr';
import { DecodeProblem } from './decode-limits.js';

/** Turns values into bytes and back. Implement it to plug in your own format. */
export interface Serializer {
  /**
   * One byte written in front of every payload, so stored values say how to read them.
   * Custom serializers use 0x10–0x1f; 0x01–0x0f are rediskit's own.
   */
  readonly marker: number;
  serialize(value: unknown, needsTypes: boolean): Buffer;
  deserialize(payload: Buffer, offset: number): unknown;
}

/** Payload markers. Plain JSON has none, so values stay readable in redis-cli. */
export const Marker = { TYPED_JSON: 0x01, MSGPACK: 0x02, GZIP: 0x03, BROTLI: 0x04, CUSTOM_COMPRESSION: 0x05 } as const;

type Tagged = { $t: string; v: unknown };

// JSON.stringify calls toJSON before the replacer sees a value, so the replacer reads the
// original from its holder (`this[key]`).
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return { $t: 'Date', v: raw.toISOString() };
  if (typeof raw === 'bigint') return { $t: 'BigInt', v: raw.toString() };
  if (raw instanceof Map) return { $t: 'Map', v: [...raw] };
  if (raw instanceof Set) return { $t: 'Set', v: [...raw] };
  if (Buffer.isBuffer(raw)) return { $t: 'Buffer', v: raw.toString('base64') };
  if (raw instanceof Uint8Array) return { $t: 'Uint8Array', v: Buffer.from(raw).toString('base64') };
  // A user object that has a `$t` key of its own is wrapped, so it is never read as a tag.
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && '$t' in raw) {
    return { $t: 'Object', v: Object.entries(raw) };
  }
  return value;
}

function isTagged(value: unknown): value is Tagged {
  return !!value && typeof value === 'object' && typeof (value as Tagged).$t === 'string' && 'v' in value;
}

// Stored payloads are untrusted: each tag's value must have the shape the replacer writes.
// `Buffer.from({ length: 1e9 })` would allocate a gigabyte from a few bytes of JSON.
function reviver(_key: string, value: unknown): unknown {
  if (!isTagged(value)) return value;
  const v = value.v;
  switch (value.$t) {
    case 'Date': return new Date(text(v, 'Date'));
    case 'BigInt': return BigInt(text(v, 'BigInt'));
    case 'Map': return new Map(entries(v, 'Map'));
    case 'Set': return new Set(list(v, 'Set'));
    case 'Buffer': return Buffer.from(text(v, 'Buffer'), 'base64');
    case 'Uint8Array': return new Uint8Array(Buffer.from(text(v, 'Uint8Array'), 'base64'));
    case 'Object': return Object.fromEntries(entries(v, 'Object'));
    default: return value;
  }
}

function text(v: unknown, tag: string): string {
  if (typeof v !== 'string') throw new DecodeProblem(`invalid ${tag} value`);
  return v;
}

function list(v: unknown, tag: string): unknown[] {
  if (!Array.isArray(v)) throw new DecodeProblem(`invalid ${tag} value`);
  return v;
}

function entries(v: unknown, tag: string): [unknown, unknown][] {
  const items = list(v, tag);
  for (const e of items) if (!Array.isArray(e) || e.length !== 2) throw new DecodeProblem(`invalid ${tag} value`);
  return items as [unknown, unknown][];
}

/**
 * JSON that round-trips Date, BigInt, Map, Set, Buffer and Uint8Array. Values without those
 * types are stored as plain JSON text (no marker, no replacer cost).
 */
export const jsonSerializer: Serializer = {
  marker: Marker.TYPED_JSON,
  serialize(value, needsTypes) {
    if (!needsTypes) return Buffer.from(JSON.stringify(value) ?? 'null');
    const text = JSON.stringify(value, replacer);
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
    out[0] = Marker.TYPED_JSON;
    out.write(text, 1);
    return out;
  },
  deserialize(payload, offset) {
    const text = payload.toString('utf8', offset);
    return offset === 0 ? JSON.parse(text) : JSON.parse(text, reviver);
  },
};

// Records for objects and msgpack maps for Map is how msgpackr keeps the two apart;
// structuredClone adds Set, Date and typed arrays.
const packr = new Packr({ useRecords: true, mapsAsObjects: false, structuredClone: true, useBigIntExtension: true });

/** MessagePack (msgpackr): smaller and faster for large values; binary in redis-cli. */
export const msgpackSerializer: Serializer = {
  marker: Marker.MSGPACK,
  serialize(value) {
    const body = packr.pack(value);
    const out = Buffer.allocUnsafe(1 + body.length);
    out[0] = Marker.MSGPACK;
    body.copy(out, 1);
    return out;
  },
  deserialize(payload, offset) {
    return packr.unpack(payload.subarray(offset));
  },
};
