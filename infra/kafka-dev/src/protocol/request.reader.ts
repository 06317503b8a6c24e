/** Thrown for any malformed request body: the connection that sent it is closed. */
export class ProtocolError extends Error {
  readonly isProtocolError = true;
}

/**
 * Reads Kafka primitive types from one request body. Classic (int16/int32 length) and compact (varint)
 * encodings, so flexible versions (only ApiVersions v3 here) share the same reader. Every read is bounds-checked.
 */
export class Reader {
  offset: number;
  readonly buffer: Buffer;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(n: number): number {
    if (n < 0 || this.offset + n > this.end)
      throw new ProtocolError(`truncated: need ${n} bytes at ${this.offset}`);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.#need(1));
  }
  int16(): number {
    return this.buffer.readInt16BE(this.#need(2));
  }
  int32(): number {
    return this.buffer.readInt32BE(this.#need(4));
  }
  int64(): bigint {
    return this.buffer.readBigInt64BE(this.#need(8));
  }
  boolean(): boolean {
    return this.int8() !== 0;
  }

  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.buffer.readUInt8(this.#need(1));
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new ProtocolError('varint too long');
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < -1) throw new ProtocolError(`bad string length ${length}`);
    const at = this.#need(length);
    return this.buffer.toString('utf8', at, at + length);
  }
  string(): string {
    const value = this.nullableString();
    if (value === null) throw new ProtocolError('null where a string is required');
    return value;
  }
  compactNullableString(): string | null {
    const length = this.unsignedVarint() - 1;
    if (length === -1) return null;
    const at = this.#need(length);
    return this.buffer.toString('utf8', at, at + length);
  }
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1) throw new ProtocolError(`bad bytes length ${length}`);
    const at = this.#need(length);
    return this.buffer.subarray(at, at + length);
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  /** Classic array: int32 count, −1 = null. The count is checked against the bytes left. */
  nullableArray<T>(item: (reader: Reader) => T): T[] | null {
    const count = this.int32();
    if (count === -1) return null;
    if (count < -1 || count > this.remaining) throw new ProtocolError(`bad array length ${count}`);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(item(this));
    return out;
  }
  array<T>(item: (reader: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
  int32Array(): number[] {
    return this.array((r) => r.int32());
  }

  /** Tagged fields section of a flexible version: skipped, none is understood. */
  skipTaggedFields(): void {
    const count = this.unsignedVarint();
    for (let i = 0; i < count; i++) {
      this.unsignedVarint();
      this.#need(this.unsignedVarint());
    }
  }
}
