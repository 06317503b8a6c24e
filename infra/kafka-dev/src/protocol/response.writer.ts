/**
 * Builds one response body. Grows a single buffer; `finish()` returns the bytes written.
 */
export class Writer {
  #buffer: Buffer;
  #length = 0;

  constructor(initial = 256) {
    this.#buffer = Buffer.allocUnsafe(initial);
  }

  #ensure(n: number): number {
    if (this.#length + n > this.#buffer.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + n));
      this.#buffer.copy(next, 0, 0, this.#length);
      this.#buffer = next;
    }
    const at = this.#length;
    this.#length += n;
    return at;
  }

  int8(value: number): this {
    {
      const at = this.#ensure(1);
      this.#buffer.writeInt8(value, at);
    }
    return this;
  }
  int16(value: number): this {
    {
      const at = this.#ensure(2);
      this.#buffer.writeInt16BE(value, at);
    }
    return this;
  }
  int32(value: number): this {
    {
      const at = this.#ensure(4);
      this.#buffer.writeInt32BE(value, at);
    }
    return this;
  }
  int64(value: bigint | number): this {
    {
      const at = this.#ensure(8);
      this.#buffer.writeBigInt64BE(BigInt(value), at);
    }
    return this;
  }
  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }
  unsignedVarint(value: number): this {
    let v = value >>> 0;
    while (v >= 0x80) {
      {
        const at = this.#ensure(1);
        this.#buffer.writeUInt8((v & 0x7f) | 0x80, at);
      }
      v >>>= 7;
    }
    {
      const at = this.#ensure(1);
      this.#buffer.writeUInt8(v, at);
    }
    return this;
  }
  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value);
    this.int16(length);
    const at = this.#ensure(length);
    this.#buffer.write(value, at, 'utf8');
    return this;
  }
  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    const at = this.#ensure(value.length);
    value.copy(this.#buffer, at);
    return this;
  }
  raw(value: Buffer): this {
    const at = this.#ensure(value.length);
    value.copy(this.#buffer, at);
    return this;
  }
  array<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }
  compactArray<T>(items: readonly T[], write: (writer: this, item: T) => void): this {
    this.unsignedVarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }
  emptyTaggedFields(): this {
    return this.unsignedVarint(0);
  }

  finish(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
