import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { Marker } from './serializers.js';

/** A compression algorithm. Supply your own (lz4, zstd) as an object with `compress`/`decompress`. */
export interface Compressor {
  compress(data: Buffer): Buffer;
  /**
   * Inflates `data`. Stored payloads are untrusted: stop (throw) once the output would exceed
   * `maxOutputLength` bytes rather than allocate it. The codec rejects a longer result anyway,
   * but only after it was built.
   */
  decompress(data: Buffer, maxOutputLength?: number): Buffer;
}

export interface CompressionOptions {
  algorithm: 'gzip' | 'brotli' | Compressor;
  /** Payloads of at least this many bytes are compressed. @default 1024 */
  threshold?: number;
}

// maxOutputLength makes zlib stop at the limit instead of building the whole output.
const gzip: Compressor = { compress: (d) => gzipSync(d, { level: 6 }), decompress: (d, max) => gunzipSync(d, max === undefined ? {} : { maxOutputLength: max }) };
// Quality 4 keeps brotli close to gzip's speed while still compressing better.
const brotli: Compressor = {
  compress: (d) => brotliCompressSync(d, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
  decompress: (d, max) => brotliDecompressSync(d, max === undefined ? {} : { maxOutputLength: max }),
};

export function compressorFor(algorithm: CompressionOptions['algorithm']): { marker: number; compressor: Compressor } {
  if (algorithm === 'gzip') return { marker: Marker.GZIP, compressor: gzip };
  if (algorithm === 'brotli') return { marker: Marker.BROTLI, compressor: brotli };
  return { marker: Marker.CUSTOM_COMPRESSION, compressor: algorithm };
}

/** The built-in decompressors by marker (custom compression is resolved by the codec). */
export const builtInDecompressors: Record<number, Compressor> = { [Marker.GZIP]: gzip, [Marker.BROTLI]: brotli };
