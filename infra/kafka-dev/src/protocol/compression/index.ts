import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { lz4Decompress } from './lz4.ts';
import { CompressionError, snappyDecompress } from './snappy.ts';

export { CompressionError } from './snappy.ts';

/** Record batch attribute bits 0–2. */
export const Codec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

/**
 * Inflates a compressed records section (every codec Kafka defines). At most `maxOutput` bytes come out,
 * so a small batch cannot expand into gigabytes; anything that does not decode throws CompressionError.
 */
export function decompress(codec: number, input: Buffer, maxOutput: number): Buffer {
  try {
    switch (codec) {
      case Codec.GZIP:
        return gunzipSync(input, { maxOutputLength: maxOutput });
      case Codec.SNAPPY:
        return snappyDecompress(input, maxOutput);
      case Codec.LZ4:
        return lz4Decompress(input, maxOutput);
      case Codec.ZSTD:
        return zstdDecompressSync(input, { maxOutputLength: maxOutput });
      default:
        throw new CompressionError(`unknown compression codec ${codec}`);
    }
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    throw new CompressionError(`${codec === Codec.GZIP ? 'gzip' : 'zstd'}: ${(error as Error).message}`);
  }
}
