import { createRequire } from 'node:module';
import type { Dispatcher, Pool } from 'undici';

// undici's connection pool and its `request` method, loaded on their own: the package's index also loads
// fetch, WebSocket, caches and mocks, about 14 MB of resident memory (measured on Node 24) in a process
// that must stay under 100 MB. Both files are what `import { Pool } from 'undici'` runs; the version is
// pinned exactly and the integration test sends real requests through them.
const require = createRequire(import.meta.url);
const PoolClass = require('undici/lib/dispatcher/pool.js') as typeof Pool;
const poolRequest = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/api/products?pageSize=20`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body parsed as JSON when it is JSON (and at most `MAX_JSON_BYTES`), else undefined. */
  readonly body: unknown;
}

/** Sends one request; rejects when no answer came (refused, reset, timed out). */
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

export interface HttpTransportOptions {
  /** Base URL, e.g. `http://127.0.0.1:7460`; only its origin is used. */
  readonly url: string;
  /** Connections kept to the origin (undici's pool). */
  readonly connections: number;
  /** Bound on waiting for the answer's headers, then on each gap in its body. */
  readonly timeoutMs: number;
}

/** Bodies read and parsed; a larger one is discarded unread (the shop's answers are a few KB). */
const MAX_JSON_BYTES = 1_048_576;

/** A transport over one undici `Pool` to the target's origin, and `close()` to end its connections. */
export function httpTransport(options: HttpTransportOptions): Transport & { close(): Promise<void> } {
  const origin = new URL(options.url).origin;
  const pool = new PoolClass(origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: Math.min(options.timeoutMs, 10_000),
  });
  const send: Transport = async (request) => {
    const response = await poolRequest.call(pool, {
      method: request.method,
      path: request.path,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const length = Number(headers['content-length'] ?? 0);
    let body: unknown;
    if ((headers['content-type'] ?? '').includes('json') && length <= MAX_JSON_BYTES) {
      const text = await response.body.text();
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
    } else {
      await response.body.dump();
    }
    return { status: response.statusCode, headers, body };
  };
  // destroy, not close: at the end of a run, requests still unanswered are abandoned rather than awaited.
  return Object.assign(send, { close: () => pool.destroy() });
}

/** A short reason for a request that got no answer: the error's code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`). */
export function errorReason(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}
