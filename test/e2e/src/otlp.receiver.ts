import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as the services exported it, flattened out of OTLP's resource → scope → span nesting. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** `''` for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: SpanKindName;
  /** True when the span's status is ERROR. */
  readonly failed: boolean;
  /** The status message, if the span set one (a failed gRPC client span's is the error's details). */
  readonly statusMessage: string;
  /** Names of the span's events (e.g. `rebound.resilience.retry`). */
  readonly events: readonly string[];
}

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** OTLP's `Span.SpanKind` numbering (not the JS API's, which starts at INTERNAL = 0). */
const KINDS: readonly SpanKindName[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
const STATUS_CODE_ERROR = 2;

/** A stand-in for an OpenTelemetry Collector: accepts OTLP/HTTP JSON on `/v1/traces` and keeps the spans. */
export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`, the value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  spans(): readonly ReceivedSpan[];
  trace(traceId: string): readonly ReceivedSpan[];
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number; message?: string };
  events?: Array<{ name: string }>;
}
interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

/** OTLP/JSON ids are hex; accept base64 too (the protobuf-JSON mapping) so either exporter setting works. */
function hexId(value: string | undefined, length: number): string {
  if (value === undefined || value === '') return '';
  if (value.length === length && /^[\da-f]+$/i.test(value)) return value.toLowerCase();
  return Buffer.from(value, 'base64').toString('hex');
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const server = createServer(async (request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      response.writeHead(415).end('this receiver takes OTLP/HTTP JSON');
      return;
    }
    try {
      const payload = JSON.parse((await bodyOf(request)).toString('utf8')) as OtlpTraces;
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const service =
          resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value
            .stringValue ?? 'unknown';
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            received.push({
              service,
              traceId: hexId(span.traceId, 32),
              spanId: hexId(span.spanId, 16),
              parentSpanId: hexId(span.parentSpanId, 16),
              name: span.name,
              kind: KINDS[span.kind] ?? 'unspecified',
              failed: span.status?.code === STATUS_CODE_ERROR,
              statusMessage: span.status?.message ?? '',
              events: (span.events ?? []).map((event) => event.name),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch (error) {
      response.writeHead(400).end((error as Error).message);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => received,
    trace: (traceId) => received.filter((span) => span.traceId === traceId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
