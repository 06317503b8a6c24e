import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { lz4Decompress } from './lz4.codec.ts';
import { CompressionError, snappyDecompress } from './snappy.codec.ts';

export { CompressionError } from './snappy.codec.ts';

/** Record batch attribute bits 0–2. */
export const Codec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

/** zlib's engines stop at the end of the last stream and ignore what follows; librdkafka does not. */
function whole(name: string, input: Buffer, result: unknown): Buffer {
  const { buffer, engine } = result as { buffer: Buffer; engine: { bytesWritten: number } };
  if (engine.bytesWritten !== input.length)
    throw new CompressionError(
      `${name}: ${input.length - engine.bytesWritten} bytes after the compressed data`,
    );
  return buffer;
}

/**
 * Inflates a compressed records section (every codec Kafka defines). At most `maxOutput` bytes come out,
 * so a small batch cannot expand into gigabytes; anything that does not decode, or has bytes after the compressed data, throws CompressionError.
 */
export function decompress(codec: number, input: Buffer, maxOutput: number): Buffer {
  try {
    switch (codec) {
      case Codec.GZIP:
        return whole('gzip', input, gunzipSync(input, { maxOutputLength: maxOutput, info: true }));
      case Codec.SNAPPY:
        return snappyDecompress(input, maxOutput);
      case Codec.LZ4:
        return lz4Decompress(input, maxOutput);
      case Codec.ZSTD:
        return whole('zstd', input, zstdDecompressSync(input, { maxOutputLength: maxOutput, info: true }));
      default:
        throw new CompressionError(`unknown compression codec ${codec}`);
    }
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    throw new CompressionError(`${codec === Codec.GZIP ? 'gzip' : 'zstd'}: ${(error as Error).message}`);
  }
}
