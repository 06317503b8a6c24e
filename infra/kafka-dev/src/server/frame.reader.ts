/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload). Keeps a chunk list, so a large frame
 * arriving in many chunks is copied once; the size is checked before anything is buffered beyond it.
 */
export class FrameReader {
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  readonly #maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Adds bytes; returns the complete frames (payload without the size), or throws on a bad size. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.#buffered < 4) return frames;
      const size = this.#peekSize();
      if (size < 10 || size > this.#maxFrameBytes) throw new Error(`bad frame size ${size}`);
      if (this.#buffered < 4 + size) return frames;
      frames.push(this.#take(4 + size).subarray(4));
    }
  }

  /** Drops whatever is buffered (the connection closed). */
  clear(): void {
    this.#chunks.length = 0;
    this.#buffered = 0;
  }

  #peekSize(): number {
    const first = this.#chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.#chunks, 4).readInt32BE(0);
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let copied = 0;
      while (copied < n) {
        const chunk = this.#chunks[0]!;
        const part = Math.min(chunk.length, n - copied);
        chunk.copy(out, copied, 0, part);
        copied += part;
        if (part === chunk.length) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(part);
      }
    }
    this.#buffered -= n;
    return out;
  }
}
