import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { problemsOf } from '../options/option-problems.js';
import type { CodecOptions } from './codec.js';
import { MAX_DEPTH_CEILING } from './decode-limits.js';

class CompressionDto {
  @IsNotEmpty() algorithm: unknown;
  @IsOptional() @IsInt() @Min(0) threshold?: number;
}

/** Validates the `codec` options at boot (serializers and compressors are checked by shape). */
class CodecOptionsDto {
  @IsOptional() serializer?: unknown;
  @IsOptional() @ValidateNested() @Type(() => CompressionDto) compression?: CompressionDto;
  @IsOptional() @IsInt() @Min(1) maxInflatedSize?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_DEPTH_CEILING) maxDepth?: number;
}

/** Every problem of the `codec` options. */
export function codecProblems(codec: CodecOptions | undefined): string[] {
  if (codec === undefined) return [];
  // class-transformer rebuilds nested class instances by calling their constructors without
  // arguments: user-supplied serializers and compressors are checked by shape instead.
  const { serializer: _serializer, compression, ...plain } = codec;
  const problems = problemsOf(CodecOptionsDto, { ...plain, ...(compression && { compression: { ...compression, algorithm: 'gzip' } }) }, 'codec');
  const s = codec.serializer;
  if (s !== undefined && s !== 'json' && s !== 'msgpack' && !(typeof s === 'object' && typeof s.serialize === 'function' && typeof s.deserialize === 'function')) {
    problems.push(`codec.serializer: must be 'json', 'msgpack' or an object with serialize/deserialize`);
  }
  const a = codec.compression?.algorithm;
  if (a !== undefined && a !== 'gzip' && a !== 'brotli' && !(typeof a === 'object' && typeof a.compress === 'function' && typeof a.decompress === 'function')) {
    problems.push(`codec.compression.algorithm: must be 'gzip', 'brotli' or an object with compress/decompress`);
  }
  return problems;
}
