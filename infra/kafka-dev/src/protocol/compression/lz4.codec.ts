import { CompressionError } from './snappy.codec.ts';
import { xxhash32 } from './xxhash32.hash.ts';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/**
 * The LZ4 frame format, which Kafka's record batches (magic 2) use: header (flags, block size, optional
 * content size and dictionary id, header checksum), blocks (compressed or stored), end mark, optional block
 * and content checksums. Every checksum is verified (xxHash32), as librdkafka's and Kafka's readers do.
 */
export function lz4Decompress(input: Buffer, maxOutput: number): Buffer {
  if (input.length < 7 || input.readUInt32LE(0) !== FRAME_MAGIC)
    throw new CompressionError('lz4: no frame magic');
  const flags = input[4]!;
  const bd = input[5]!;
  if (flags >>> 6 !== 1 || (flags & 0x02) !== 0) throw new CompressionError('lz4: unsupported frame version');
  const blockMax = BLOCK_SIZES[(bd >>> 4) & 7];
  if (blockMax === undefined || (bd & 0x8f) !== 0) throw new CompressionError('lz4: bad block descriptor');
  const blockChecksum = (flags & 0x10) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const descriptorEnd = 6 + ((flags & 0x08) !== 0 ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0);
  if (descriptorEnd >= input.length) throw new CompressionError('lz4: truncated frame descriptor');
  if (((xxhash32(input.subarray(4, descriptorEnd)) >>> 8) & 0xff) !== input[descriptorEnd])
    throw new CompressionError('lz4: frame descriptor checksum mismatch');
  let at = descriptorEnd + 1;
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    if (at + 4 > input.length) throw new CompressionError('lz4: truncated block');
    const word = input.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax || at + size > input.length) throw new CompressionError('lz4: bad block size');
    const block = input.subarray(at, at + size);
    at += size;
    if (blockChecksum) {
      if (at + 4 > input.length || xxhash32(block) !== input.readUInt32LE(at))
        throw new CompressionError('lz4: block checksum mismatch');
      at += 4;
    }
    const room = Math.min(blockMax, maxOutput - total);
    if (stored && size > room) throw new CompressionError('lz4: output beyond the limit');
    const out = stored ? block : lz4Block(block, room, parts, total);
    parts.push(out);
    total += out.length;
  }
  const content = Buffer.concat(parts, total);
  if (contentChecksum) {
    if (at + 4 > input.length || xxhash32(content) !== input.readUInt32LE(at))
      throw new CompressionError('lz4: content checksum mismatch');
    at += 4;
  }
  if (at !== input.length) throw new CompressionError('lz4: bytes after the end mark');
  return content;
}

/** One LZ4 block. Matches may reach into earlier blocks of the frame (linked blocks). */
function lz4Block(input: Buffer, room: number, previous: readonly Buffer[], previousLength: number): Buffer {
  const out = Buffer.allocUnsafe(room);
  let pos = 0;
  let at = 0;
  const extend = (base: number) => {
    let length = base;
    if (base === 15) {
      for (;;) {
        if (at >= input.length) throw new CompressionError('lz4: truncated length');
        const byte = input[at++]!;
        length += byte;
        if (byte !== 255) break;
      }
    }
    return length;
  };
  const history = (distance: number): number => {
    // A byte `distance` back from the start of this block, in the frame's earlier output.
    let back = distance;
    for (let i = previous.length - 1; i >= 0; i--) {
      const part = previous[i]!;
      if (back <= part.length) return part[part.length - back]!;
      back -= part.length;
    }
    throw new CompressionError('lz4: match before the start');
  };
  while (at < input.length) {
    const token = input[at++]!;
    const literal = extend(token >>> 4);
    if (at + literal > input.length || pos + literal > room)
      throw new CompressionError('lz4: bad literal run');
    input.copy(out, pos, at, at + literal);
    at += literal;
    pos += literal;
    if (at === input.length) break;
    if (at + 2 > input.length) throw new CompressionError('lz4: truncated match');
    const offset = input.readUInt16LE(at);
    at += 2;
    const match = extend(token & 15) + 4;
    if (offset === 0 || offset > pos + previousLength) throw new CompressionError('lz4: bad match offset');
    if (pos + match > room) throw new CompressionError('lz4: output beyond the limit');
    for (let i = 0; i < match; i++, pos++) {
      const from = pos - offset;
      out[pos] = from >= 0 ? out[from]! : history(-from);
    }
  }
  return out.subarray(0, pos);
}
