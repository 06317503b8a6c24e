import type { IHeaders } from 'kafkajs';

/** Record headers as plain strings (what this library writes and reads). */
export type MessageHeaders = Readonly<Record<string, string>>;

/** kafkajs headers (Buffer, string, arrays or undefined values) as plain strings; the first value wins. */
export function readHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** The `traceparent` header when it is well-formed W3C trace context, else `undefined`. */
export function readTraceparent(headers: MessageHeaders): string | undefined {
  const value = headers.traceparent;
  return value !== undefined && TRACEPARENT.test(value) ? value : undefined;
}
