import {
  closeSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** One stored batch: where it lives and what offsets and time it covers. */
export interface BatchEntry {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly position: number;
  readonly size: number;
  readonly maxTimestamp: number;
}

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/**
 * A run of batches, in a file (`<baseOffset>.log`, raw batches back to back as on the wire) or in memory.
 * The index (`entries`) is rebuilt from batch headers when the partition opens.
 */
export class Segment {
  readonly baseOffset: number;
  readonly entries: BatchEntry[] = [];
  size = 0;
  maxTimestamp = -1;
  readonly #path: string | null;
  #fd: number | null;
  readonly #chunks: Buffer[] = [];
  #dirty = false;
  #inflight: Promise<void> | null = null;

  constructor(dir: string | null, baseOffset: number) {
    this.baseOffset = baseOffset;
    this.#path = dir === null ? null : join(dir, segmentFileName(baseOffset));
    this.#fd = this.#path === null ? null : openSync(this.#path, 'a+');
    if (this.#fd !== null) this.size = fstatSync(this.#fd).size;
  }

  get lastOffset(): number {
    return this.entries.at(-1)?.lastOffset ?? this.baseOffset - 1;
  }

  append(batch: Buffer, baseOffset: number, lastOffset: number, maxTimestamp: number): void {
    const entry = { baseOffset, lastOffset, position: this.size, size: batch.length, maxTimestamp };
    if (this.#fd !== null) {
      let written = 0;
      while (written < batch.length) written += writeSync(this.#fd, batch, written, batch.length - written);
      this.#dirty = true;
    } else {
      this.#chunks.push(Buffer.from(batch));
    }
    this.entries.push(entry);
    this.size += batch.length;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
  }

  /** Index of the first entry whose last offset is at or after `offset` (binary search). */
  find(offset: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.lastOffset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  read(index: number): Buffer {
    const entry = this.entries[index]!;
    if (this.#path === null) return this.#chunks[index]!;
    if (this.#fd === null) throw new Error(`segment ${this.#path} is closed`);
    const out = Buffer.allocUnsafe(entry.size);
    let got = 0;
    while (got < entry.size) {
      const n = readSync(this.#fd, out, got, entry.size - got, entry.position + got);
      if (n === 0) throw new Error(`segment ${this.#path} is shorter than its index`);
      got += n;
    }
    return out;
  }

  /** Reads raw bytes (recovery scan); memory segments have nothing to recover. */
  readRaw(position: number, length: number): Buffer {
    if (this.#fd === null) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(length);
    const n = readSync(this.#fd, out, 0, length, position);
    return out.subarray(0, n);
  }

  /** Records an entry found by the recovery scan (the bytes are already in the file). */
  index(entry: BatchEntry): void {
    this.entries.push(entry);
    if (entry.maxTimestamp > this.maxTimestamp) this.maxTimestamp = entry.maxTimestamp;
  }

  /** Cuts a torn tail left by a crash. */
  truncate(size: number): void {
    if (this.#fd !== null) ftruncateSync(this.#fd, size);
    this.size = size;
  }

  /**
   * Flushes written batches to the device. Concurrent callers share one fdatasync; a caller whose write
   * came before the flush in flight waits for that one.
   */
  sync(): Promise<void> {
    if (this.#fd === null) return Promise.resolve();
    if (!this.#dirty) return this.#inflight ?? Promise.resolve();
    this.#dirty = false;
    const fd = this.#fd;
    const flush = (this.#inflight ?? Promise.resolve()).then(
      () =>
        new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
    );
    this.#inflight = flush;
    flush.then(
      () => {
        if (this.#inflight === flush) this.#inflight = null;
      },
      () => {},
    );
    return flush;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  remove(): void {
    this.close();
    if (this.#path !== null) rmSync(this.#path, { force: true });
  }
}
