const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const round = (acc: number, lane: number) => Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;

/** xxHash32 (seed 0 by default): the checksum of the LZ4 frame format (header, blocks, content). */
export function xxhash32(data: Buffer, seed = 0): number {
  let at = 0;
  let h: number;
  if (data.length >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    for (; at + 16 <= data.length; at += 16) {
      v1 = round(v1, data.readUInt32LE(at));
      v2 = round(v2, data.readUInt32LE(at + 4));
      v3 = round(v3, data.readUInt32LE(at + 8));
      v4 = round(v4, data.readUInt32LE(at + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + P5) >>> 0;
  }
  h = (h + data.length) >>> 0;
  for (; at + 4 <= data.length; at += 4)
    h = Math.imul(rotl((h + Math.imul(data.readUInt32LE(at), P3)) >>> 0, 17), P4) >>> 0;
  for (; at < data.length; at++) h = Math.imul(rotl((h + Math.imul(data[at]!, P5)) >>> 0, 11), P1) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, P2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, P3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
