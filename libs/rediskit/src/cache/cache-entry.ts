import { MAX_DURATION_MS } from '../options/duration.js';

/**
 * The stored form of a cache entry, in Redis and in the memory layer: timing and tag versions
 * in a small binary header, then the codec's payload. A binary header costs a few buffer reads
 * per hit where a JSON envelope would cost a second parse.
 *
 * Layout: magic 0x0E, format 1, createdAt f64, expiresAt f64, retainUntil f64, delta u32,
 * tag count u16, then per tag: name length u16, name utf8, version f64; then the payload.
 * Format 2 (written only for an entry whose loader chose its grace or stale-if-error period,
 * which then travel with it) adds grace f64 and staleIfError f64 after the tag count.
 */
export interface CacheEntry {
  /** The codec payload of the value. */
  payload: Buffer;
  /** When it was written (ms since epoch, writer's clock). */
  createdAt: number;
  /** End of freshness. */
  expiresAt: number;
  /** End of physical retention (expiresAt + the longest of grace and staleIfError). */
  retainUntil: number;
  /** How long the loader took (ms), for early refresh (XFetch). */
  delta: number;
  /** Tag name → version when the value was produced; `undefined` when untagged. */
  tags: Map<string, number> | undefined;
  /** Grace (ms) the loader chose; readers use it instead of their own (format 2). */
  grace?: number;
  /** Stale-if-error period (ms) the loader chose (format 2). */
  staleIfError?: number;
}

const MAGIC = 0x0e;
const FIXED = 32;
const FIXED_2 = 48;

/** Serializes an entry to the bytes stored in Redis. */
export function encodeEntry(entry: CacheEntry): Buffer {
  const { out, at } = withHeader(entry, entry.payload.length);
  entry.payload.copy(out, at);
  return out;
}

/**
 * Serializes an entry whose payload is the plain JSON `text` (`bytes` long in UTF-8), written
 * straight after the header, and points `entry.payload` at it: the payload is not built, then
 * copied, on every write.
 */
export function encodeEntryText(entry: CacheEntry, text: string, bytes: number): Buffer {
  const { out, at } = withHeader(entry, bytes);
  out.write(text, at, bytes, 'utf8');
  entry.payload = out.subarray(at);
  return out;
}

// The bytes of an entry with its header written; the payload goes at `at`.
function withHeader(entry: CacheEntry, payloadLength: number): { out: Buffer; at: number } {
  let tagBytes = 0;
  const names: Buffer[] = [];
  if (entry.tags) {
    for (const name of entry.tags.keys()) {
      const b = Buffer.from(name);
      names.push(b);
      tagBytes += 2 + b.length + 8;
    }
  }
  const windows = entry.grace !== undefined || entry.staleIfError !== undefined;
  const fixed = windows ? FIXED_2 : FIXED;
  const out = Buffer.allocUnsafe(fixed + tagBytes + payloadLength);
  out[0] = MAGIC;
  out[1] = windows ? 2 : 1;
  out.writeDoubleLE(entry.createdAt, 2);
  out.writeDoubleLE(entry.expiresAt, 10);
  out.writeDoubleLE(entry.retainUntil, 18);
  out.writeUInt32LE(Math.min(Math.max(0, Math.round(entry.delta)), 0xffffffff), 26);
  out.writeUInt16LE(names.length, 30);
  if (windows) {
    out.writeDoubleLE(entry.grace ?? 0, 32);
    out.writeDoubleLE(entry.staleIfError ?? 0, 40);
  }
  let at = fixed;
  if (entry.tags) {
    let i = 0;
    for (const version of entry.tags.values()) {
      const b = names[i++];
      out.writeUInt16LE(b.length, at);
      b.copy(out, at + 2);
      out.writeDoubleLE(version, at + 2 + b.length);
      at += 2 + b.length + 8;
    }
  }
  return { out, at };
}

/**
 * Parses stored bytes; `undefined` when they are not a well-formed entry of this format. The
 * bytes come from Redis and are untrusted: every length is checked against the buffer and
 * every time and version must be a finite number, so no input throws or yields a NaN expiry.
 */
export function decodeEntry(bytes: Buffer): CacheEntry | undefined {
  const format = bytes[1];
  if (bytes.length < FIXED || bytes[0] !== MAGIC || (format !== 1 && format !== 2)) return undefined;
  const createdAt = bytes.readDoubleLE(2);
  const expiresAt = bytes.readDoubleLE(10);
  const retainUntil = bytes.readDoubleLE(18);
  if (!Number.isFinite(createdAt) || !Number.isFinite(expiresAt) || !Number.isFinite(retainUntil)) return undefined;
  const count = bytes.readUInt16LE(30);
  let grace: number | undefined;
  let staleIfError: number | undefined;
  if (format === 2) {
    if (bytes.length < FIXED_2) return undefined;
    grace = bytes.readDoubleLE(32);
    staleIfError = bytes.readDoubleLE(40);
    if (!(grace >= 0 && grace <= MAX_DURATION_MS) || !(staleIfError >= 0 && staleIfError <= MAX_DURATION_MS)) return undefined;
  }
  let tags: Map<string, number> | undefined;
  let at = format === 2 ? FIXED_2 : FIXED;
  if (count > 0) {
    tags = new Map();
    for (let i = 0; i < count; i++) {
      if (at + 2 > bytes.length) return undefined;
      const len = bytes.readUInt16LE(at);
      if (at + 2 + len + 8 > bytes.length) return undefined;
      const version = bytes.readDoubleLE(at + 2 + len);
      if (!Number.isFinite(version)) return undefined;
      tags.set(bytes.toString('utf8', at + 2, at + 2 + len), version);
      at += 2 + len + 8;
    }
  }
  const entry: CacheEntry = { createdAt, expiresAt, retainUntil, delta: bytes.readUInt32LE(26), tags, payload: bytes.subarray(at) };
  if (format === 2) {
    entry.grace = grace;
    entry.staleIfError = staleIfError;
  }
  return entry;
}
