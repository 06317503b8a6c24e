/** Thrown for compressed bytes that do not decode. */
export class CompressionError extends Error {}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/**
 * Snappy as Kafka clients write it: the xerial stream (`\x82SNAPPY\0`, two int32 versions, then
 * int32-length-prefixed raw blocks, what the Java client writes) or one raw block (what librdkafka writes).
 */
export function snappyDecompress(input: Buffer, maxOutput: number): Buffer {
  if (input.length < 16 || !input.subarray(0, 8).equals(XERIAL_MAGIC)) return snappyBlock(input, maxOutput);
  const parts: Buffer[] = [];
  let total = 0;
  let at = 16;
  while (at < input.length) {
    if (at + 4 > input.length) throw new CompressionError('snappy: truncated block length');
    const length = input.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > input.length) throw new CompressionError('snappy: bad block length');
    const block = snappyBlock(input.subarray(at, at + length), maxOutput - total);
    parts.push(block);
    total += block.length;
    at += length;
  }
  return Buffer.concat(parts, total);
}

/** One raw snappy block: varint uncompressed length, then literal and copy elements. */
function snappyBlock(input: Buffer, maxOutput: number): Buffer {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28 || at >= input.length) throw new CompressionError('snappy: bad length preamble');
    const byte = input[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  if (length > maxOutput) throw new CompressionError(`snappy: ${length} bytes exceed the limit ${maxOutput}`);
  const out = Buffer.allocUnsafe(length);
  let pos = 0;
  const need = (n: number) => {
    if (at + n > input.length) throw new CompressionError('snappy: truncated element');
  };
  while (at < input.length) {
    const tag = input[at++]!;
    const type = tag & 3;
    if (type === 0) {
      let literal = tag >>> 2;
      if (literal >= 60) {
        const bytes = literal - 59;
        need(bytes);
        literal = input.readUIntLE(at, bytes);
        at += bytes;
      }
      literal += 1;
      need(literal);
      if (pos + literal > length) throw new CompressionError('snappy: literal beyond the declared length');
      input.copy(out, pos, at, at + literal);
      at += literal;
      pos += literal;
      continue;
    }
    let copy: number;
    let offset: number;
    if (type === 1) {
      need(1);
      copy = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[at++]!;
    } else if (type === 2) {
      need(2);
      copy = 1 + (tag >>> 2);
      offset = input.readUInt16LE(at);
      at += 2;
    } else {
      need(4);
      copy = 1 + (tag >>> 2);
      offset = input.readUInt32LE(at);
      at += 4;
    }
    if (offset === 0 || offset > pos) throw new CompressionError('snappy: copy before the start');
    if (pos + copy > length) throw new CompressionError('snappy: copy beyond the declared length');
    for (let i = 0; i < copy; i++, pos++) out[pos] = out[pos - offset]!;
  }
  if (pos !== length) throw new CompressionError(`snappy: ${pos} bytes decoded, ${length} declared`);
  return out;
}
