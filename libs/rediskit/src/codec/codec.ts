import { RediskitSerializationError } from '../errors.js';
import { builtInDecompressors, compressorFor, type CompressionOptions, type Compressor } from './compression.js';
import { jsonSerializer, Marker, msgpackSerializer, type Serializer } from './serializers.js';
import { inspectValue } from './value-walk.js';

export interface CodecOptions {
  /** `'json'` (default; plain values stay readable), `'msgpack'`, or your own {@link Serializer}. */
  serializer?: 'json' | 'msgpack' | Serializer;
  /** Compress payloads above a threshold. */
  compression?: CompressionOptions;
}

/**
 * Encodes values for Redis and decodes them back. A stored payload starts with a marker byte
 * that says how it was written, so a codec reads values written with other settings (a
 * compressed value, a msgpack value) and settings can change without a migration.
 *
 * @example
 * const bytes = codec.encode({ at: new Date() }, 'user:1');
 * const value = codec.decode(await redis.getBuffer(key), key);
 */
export class Codec {
  private readonly serializer: Serializer;
  private readonly compression?: { marker: number; compressor: Compressor; threshold: number };
  private readonly decoders = new Map<number, Serializer>();

  constructor(options: CodecOptions = {}) {
    const s = options.serializer ?? 'json';
    this.serializer = s === 'json' ? jsonSerializer : s === 'msgpack' ? msgpackSerializer : s;
    for (const known of [jsonSerializer, msgpackSerializer, this.serializer]) this.decoders.set(known.marker, known);
    if (options.compression) {
      this.compression = { ...compressorFor(options.compression.algorithm), threshold: options.compression.threshold ?? 1024 };
    }
  }

  /** Serializes (and maybe compresses) a value. Throws `RediskitSerializationError` naming `key`. */
  encode(value: unknown, key = '?'): Buffer {
    if (value === undefined) throw new RediskitSerializationError(`Cannot store undefined for key "${key}"`);
    const { needsTypes } = inspectValue(value, key);
    let payload: Buffer;
    try {
      payload = this.serializer.serialize(value, needsTypes);
    } catch (cause) {
      throw new RediskitSerializationError(`Cannot serialize value for key "${key}": ${(cause as Error).message}`, { cause });
    }
    const c = this.compression;
    if (!c || payload.length < c.threshold) return payload;
    const packed = c.compressor.compress(payload);
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
    if (inspectValue(value, key).needsTypes) return undefined;
    const text = JSON.stringify(value) ?? 'null';
    // UTF-8 takes at least one byte per UTF-16 unit: a shorter text is surely below the threshold.
    if (this.compression && (text.length >= this.compression.threshold || Buffer.byteLength(text) >= this.compression.threshold)) return undefined;
    return text;
  }

  /** Decodes a stored payload; `null` (a missing key) stays `null`. */
  decode<T = unknown>(payload: Buffer | string | null | undefined, key = '?'): T | null {
    if (payload === null || payload === undefined) return null;
    try {
      if (typeof payload === 'string') return JSON.parse(payload) as T;
      return this.decodeBuffer(payload) as T;
    } catch (cause) {
      if (cause instanceof RediskitSerializationError) throw cause;
      throw new RediskitSerializationError(`Cannot decode value of key "${key}": ${(cause as Error).message}`, { cause });
    }
  }

  private decodeBuffer(payload: Buffer): unknown {
    const marker = payload[0];
    // Plain JSON starts with a printable character or whitespace; markers are control bytes.
    if (marker >= 0x20 || marker === 0x09 || marker === 0x0a || marker === 0x0d) return jsonSerializer.deserialize(payload, 0);
    const serializer = this.decoders.get(marker);
    if (serializer) return serializer.deserialize(payload, 1);
    const decompressor = builtInDecompressors[marker] ?? (marker === this.compression?.marker ? this.compression.compressor : undefined);
    if (!decompressor) throw new Error(`unknown payload marker 0x${marker.toString(16)}`);
    return this.decodeBuffer(decompressor.decompress(payload.subarray(1)));
  }
}
