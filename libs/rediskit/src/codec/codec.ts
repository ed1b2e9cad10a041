import { RediskitArgumentError, RediskitSerializationError } from '../errors.js';
import { builtInDecompressors, compressorFor, type CompressionOptions, type Compressor } from './compression.js';
import { checkDecoded, DecodeProblem, DEFAULT_MAX_DEPTH, DEFAULT_MAX_INFLATED_SIZE, MAX_DEPTH_CEILING } from './decode-limits.js';
import { jsonSerializer, msgpackSerializer, type Serializer } from './serializers.js';
import { inspectValue } from './value-walk.js';

export interface CodecOptions {
  /** `'json'` (plain values stay readable), `'msgpack'`, or your own {@link Serializer}. @default `'json'` */
  serializer?: 'json' | 'msgpack' | Serializer;
  /** Compress payloads above a threshold. */
  compression?: CompressionOptions;
  /**
   * Largest size in bytes a compressed payload may inflate to when it is read. Larger payloads
   * are written uncompressed, so whatever the codec writes it can read back.
   * @default the cache's `maxValueSize`, 4 MiB
   */
  maxInflatedSize?: number;
  /** Deepest nesting of arrays, objects, Maps and Sets written or read. @default 128, at most 1000 */
  maxDepth?: number;
}

/**
 * Encodes values for Redis and decodes them back. A stored payload starts with a marker byte
 * that says how it was written, so a codec reads values written with other settings (a
 * compressed value, a msgpack value) and settings can change without a migration.
 *
 * Stored payloads are untrusted and decoding is bounded: a compressed payload inflates to at
 * most `maxInflatedSize` bytes and is never decompressed twice, decoded values nest at most
 * `maxDepth` levels, and anything else wrong reads as a `RediskitSerializationError`.
 *
 * @example
 * const bytes = codec.encode({ at: new Date() }, 'user:1');
 * const value = codec.decode(await redis.getBuffer(key), key);
 */
export class Codec {
  private readonly serializer: Serializer;
  private readonly compression?: { marker: number; compressor: Compressor; threshold: number };
  private readonly decoders = new Map<number, Serializer>();
  /** Largest inflated payload, in bytes. */
  readonly maxInflatedSize: number;
  /** Deepest nesting encoded or decoded. */
  readonly maxDepth: number;

  constructor(options: CodecOptions = {}) {
    const s = options.serializer ?? 'json';
    this.serializer = s === 'json' ? jsonSerializer : s === 'msgpack' ? msgpackSerializer : s;
    for (const known of [jsonSerializer, msgpackSerializer, this.serializer]) this.decoders.set(known.marker, known);
    if (options.compression) {
      this.compression = { ...compressorFor(options.compression.algorithm), threshold: options.compression.threshold ?? 1024 };
    }
    this.maxInflatedSize = options.maxInflatedSize ?? DEFAULT_MAX_INFLATED_SIZE;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (!Number.isSafeInteger(this.maxInflatedSize) || this.maxInflatedSize < 1) {
      throw new RediskitArgumentError('codec.maxInflatedSize', `must be a positive integer, got ${JSON.stringify(options.maxInflatedSize)}`);
    }
    if (!Number.isInteger(this.maxDepth) || this.maxDepth < 1 || this.maxDepth > MAX_DEPTH_CEILING) {
      throw new RediskitArgumentError('codec.maxDepth', `must be an integer from 1 to ${MAX_DEPTH_CEILING}, got ${JSON.stringify(options.maxDepth)}`);
    }
  }

  /**
   * Serializes (and maybe compresses) a value. Every failure (a function, a cycle, nesting
   * deeper than `maxDepth`, a throwing getter or `toJSON`) is a `RediskitSerializationError`
   * naming `key`.
   */
  encode(value: unknown, key = '?'): Buffer {
    if (value === undefined) throw new RediskitSerializationError(`Cannot store undefined for key "${key}"`);
    let payload: Buffer;
    try {
      payload = this.serializer.serialize(value, inspectValue(value, key, this.maxDepth).needsTypes);
    } catch (cause) {
      throw encodeError(cause, key);
    }
    const c = this.compression;
    // Above maxInflatedSize a reader would refuse to inflate it: store it as it is.
    if (!c || payload.length < c.threshold || payload.length > this.maxInflatedSize) return payload;
    let packed: Buffer;
    try {
      packed = c.compressor.compress(payload);
    } catch (cause) {
      throw encodeError(cause, key);
    }
    if (packed.length >= payload.length) return payload; // incompressible: keep it as it is
    return Buffer.concat([Buffer.of(c.marker), packed]);
  }

  /**
   * The payload as text when {@link encode} would write plain JSON (the JSON serializer, no
   * typed values, below the compression threshold), else `undefined`. Lets a caller hand
   * ioredis a string, which it writes without building a Buffer; `decode` reads either.
   */
  encodeText(value: unknown, key = '?'): string | undefined {
    if (this.serializer !== jsonSerializer) return undefined;
    if (value === undefined) throw new RediskitSerializationError(`Cannot store undefined for key "${key}"`);
    let text: string;
    try {
      if (inspectValue(value, key, this.maxDepth).needsTypes) return undefined;
      text = JSON.stringify(value) ?? 'null';
    } catch (cause) {
      throw encodeError(cause, key);
    }
    const c = this.compression;
    if (!c) return text;
    // UTF-8 takes one to three bytes per UTF-16 unit: most texts are sorted without counting bytes.
    if (text.length >= c.threshold && text.length * 3 <= this.maxInflatedSize) return undefined; // encode compresses it
    const bytes = Buffer.byteLength(text);
    return bytes >= c.threshold && bytes <= this.maxInflatedSize ? undefined : text;
  }

  /**
   * Decodes a stored payload; `null` (a missing key) stays `null`. Anything that is not a
   * payload this codec could have written, or breaks a bound, throws a
   * `RediskitSerializationError` naming `key` (never quoting the payload).
   */
  decode<T = unknown>(payload: Buffer | string | null | undefined, key = '?'): T | null {
    if (payload === null || payload === undefined) return null;
    const size = payload.length;
    // Plain JSON is read as text: parsing needs it anyway, and the bracket count below is then a
    // string search, much cheaper than Buffer#indexOf's call into C++.
    if (typeof payload !== 'string' && size > 0 && isPlainJsonStart(payload[0])) payload = payload.toString('utf8');
    let value: unknown;
    try {
      value = typeof payload === 'string' ? parseJson(payload) : this.decodeBuffer(payload, false);
    } catch (cause) {
      if (cause instanceof RediskitSerializationError) throw cause;
      if (cause instanceof DecodeProblem) throw new RediskitSerializationError(`Cannot decode value of key "${key}": ${cause.message}`);
      // Only a user-supplied serializer or compressor gets here: its error is kept as the cause.
      throw new RediskitSerializationError(`Cannot decode value of key "${key}": ${(cause as Error)?.name ?? 'error'} in a custom serializer or compressor`, { cause });
    }
    // Plain JSON has no shared references and fewer values than bytes, so only its nesting can
    // break a bound, and it nests no deeper than its count of `{` and `[`: most payloads need no walk.
    if (typeof payload === 'string' && bracketsAtMost(payload, this.maxDepth)) return value as T;
    // A tree never holds more values than its payload has bytes; more means shared references.
    const problem = checkDecoded(value, this.maxDepth, Math.max(this.maxInflatedSize, size));
    if (problem) throw new RediskitSerializationError(`Cannot decode value of key "${key}": ${problem}`);
    return value as T;
  }

  private decodeBuffer(payload: Buffer, inflated: boolean): unknown {
    if (payload.length === 0) throw new DecodeProblem('empty payload');
    const marker = payload[0];
    if (isPlainJsonStart(marker)) return parseJson(payload);
    const serializer = this.decoders.get(marker);
    if (serializer) return deserialize(serializer, payload);
    const builtIn = builtInDecompressors[marker];
    const decompressor = builtIn ?? (marker === this.compression?.marker ? this.compression.compressor : undefined);
    if (!decompressor) throw new DecodeProblem(`unknown payload marker 0x${marker.toString(16)}`);
    // One level only: a payload that inflates to another compressed payload is a bomb, not a value.
    if (inflated) throw new DecodeProblem('compressed payload inside a compressed payload');
    return this.decodeBuffer(this.inflate(decompressor, payload.subarray(1), builtIn !== undefined), true);
  }

  private inflate(decompressor: Compressor, data: Buffer, builtIn: boolean): Buffer {
    const max = this.maxInflatedSize;
    let out: Buffer;
    try {
      out = decompressor.decompress(data, max);
    } catch (e) {
      if ((e as { code?: string })?.code === 'ERR_BUFFER_TOO_LARGE') throw new DecodeProblem(`inflates beyond maxInflatedSize (${max} bytes)`);
      if (builtIn) throw new DecodeProblem('corrupt compressed data');
      throw e;
    }
    if (out.length > max) throw new DecodeProblem(`inflates beyond maxInflatedSize (${max} bytes)`);
    return out;
  }
}

const builtInSerializers = new Set<Serializer>([jsonSerializer, msgpackSerializer]);

function deserialize(serializer: Serializer, payload: Buffer): unknown {
  if (!builtInSerializers.has(serializer)) return serializer.deserialize(payload, 1);
  try {
    return serializer.deserialize(payload, 1);
  } catch (e) {
    throw e instanceof DecodeProblem ? e : new DecodeProblem(problemOf(e, serializer === msgpackSerializer ? 'not valid MessagePack' : 'not valid typed JSON'));
  }
}

// Parser messages may quote the payload: they are replaced by ours.
function parseJson(payload: Buffer | string): unknown {
  try {
    return typeof payload === 'string' ? JSON.parse(payload) : jsonSerializer.deserialize(payload, 0);
  } catch (e) {
    throw new DecodeProblem(problemOf(e, 'not valid JSON'));
  }
}

// Plain JSON starts with a printable character or whitespace; markers are control bytes.
function isPlainJsonStart(first: number): boolean {
  return first >= 0x20 || first === 0x09 || first === 0x0a || first === 0x0d;
}

// Payloads up to this size are counted; larger ones are walked (counting would add to the walk).
const COUNTED_SIZE = 4096;

/** True when the text holds at most `max` of `{` and `[` together (native searches, no walk). */
function bracketsAtMost(text: string, max: number): boolean {
  if (text.length > COUNTED_SIZE) return false;
  let count = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > max) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > max) return false;
  return true;
}

function problemOf(e: unknown, otherwise: string): string {
  return e instanceof RangeError ? 'nested too deeply to parse' : otherwise;
}

function encodeError(cause: unknown, key: string): RediskitSerializationError {
  if (cause instanceof RediskitSerializationError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RediskitSerializationError(`Cannot serialize value for key "${key}": ${reason}`, { cause });
}
