// A node:http server on 127.0.0.1 that answers like the gateway's HTTP API, for the generator's own tests:
// API keys (401), a token bucket per key (429 + Retry-After), products, POST /api/orders with the checkout
// contract (201, 202 + Location + Retry-After, 503 order_state_unknown, idempotent by key and client), order
// look-ups by their owner, the edge's refusals (400, 413, 415) and optional shedding (503 overloaded).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayStubOptions {
  /** Tokens per second and bucket size of each key (the gateway's defaults are 20 and 40). */
  readonly rateLimitRps?: number;
  readonly rateLimitBurst?: number;
  /** Every Nth new order is answered 202 PENDING; it is CONFIRMED from its second look-up on. */
  readonly pendingEvery?: number;
  /** Every Nth new order is placed but answered 503 order_state_unknown (the re-send finds it). */
  readonly unknownEvery?: number;
  /** Every Nth product request is shed: 503 overloaded with Retry-After. */
  readonly shedEvery?: number;
}

interface StubOrder {
  readonly id: string;
  readonly owner: string;
  readonly lines: unknown;
  readonly fingerprint: string;
  looks: number;
  pending: boolean;
}

export interface GatewayStub {
  readonly url: string;
  /** Answers by `METHOD route status`, e.g. `POST /api/orders 202`. */
  readonly answers: Map<string, number>;
  /** Orders placed, by id. */
  readonly orders: Map<string, StubOrder>;
  stop(): Promise<void>;
}

const KEYS = new Map([
  ['key-a', 'client-a'],
  ['key-b', 'client-b'],
  ['key-c', 'client-c'],
]);
const PRODUCTS = [
  { id: 'p-duck', name: 'Rubber duck', price: { amountMinor: 500, currency: 'EUR' } },
  { id: 'p-mug', name: 'Mug', price: { amountMinor: 1200, currency: 'EUR' } },
  { id: 'p-sock', name: 'Socks', price: { amountMinor: 900, currency: 'EUR' } },
];
const BODY_LIMIT = 16_384;

export async function startGatewayStub(options: GatewayStubOptions = {}): Promise<GatewayStub> {
  const rps = options.rateLimitRps ?? 1_000;
  const burst = options.rateLimitBurst ?? 2_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const answers = new Map<string, number>();
  const orders = new Map<string, StubOrder>();
  const byKey = new Map<string, StubOrder>();
  let newOrders = 0;
  let productRequests = 0;

  const take = (client: string): boolean => {
    const now = performance.now();
    const bucket = buckets.get(client) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rps);
    bucket.at = now;
    buckets.set(client, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  const view = (order: StubOrder) => ({
    order: { id: order.id, status: order.pending ? 'PENDING' : 'CONFIRMED', lines: order.lines },
  });

  const handle = (request: IncomingMessage, response: ServerResponse, raw: Buffer, tooLarge: boolean) => {
    const url = new URL(request.url ?? '/', 'http://stub.invalid');
    let route = url.pathname.replace(/^\/api\/(products|orders)\/[^/]+$/, '/api/$1/:id');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const key = `${request.method} ${route} ${status}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const refuse = (status: number, error: string, headers: Record<string, string> = {}) =>
      send(status, { error, message: error, requestId: 'stub' }, headers);
    if (!url.pathname.startsWith('/api/')) {
      route = url.pathname;
      return refuse(404, 'not_found');
    }
    const client = KEYS.get(String(request.headers['x-api-key'] ?? ''));
    if (client === undefined) return refuse(401, 'unauthenticated');
    if (!take(client)) return refuse(429, 'throttled', { 'retry-after': '1' });

    if (request.method === 'GET' && route === '/api/products') {
      productRequests += 1;
      if (options.shedEvery && productRequests % options.shedEvery === 0) {
        return refuse(503, 'overloaded', { 'retry-after': '1' });
      }
      return send(200, { products: PRODUCTS, nextPageToken: '' });
    }
    if (request.method === 'GET' && route === '/api/products/:id') {
      const product = PRODUCTS.find((p) => `/api/products/${p.id}` === url.pathname);
      return product ? send(200, { product }) : refuse(404, 'not_found');
    }
    if (request.method === 'GET' && route === '/api/orders/:id') {
      const order = orders.get(decodeURIComponent(url.pathname.slice('/api/orders/'.length)));
      if (order === undefined || order.owner !== client) return refuse(404, 'not_found');
      order.looks += 1;
      if (order.looks >= 2) order.pending = false;
      return send(200, view(order));
    }
    if (request.method === 'POST' && route === '/api/orders') {
      if (tooLarge) return refuse(413, 'payload_too_large');
      if (!/^application\/json/.test(String(request.headers['content-type'] ?? ''))) {
        return refuse(415, 'unsupported_media_type');
      }
      let body: { lines?: { productId?: unknown; quantity?: unknown }[] } & Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return refuse(400, 'bad_request');
      }
      const key = request.headers['idempotency-key'];
      const lines = body.lines;
      const valid =
        typeof key === 'string' &&
        Object.keys(body).length === 1 &&
        Array.isArray(lines) &&
        lines.length >= 1 &&
        lines.length <= 50 &&
        lines.every(
          (line) =>
            PRODUCTS.some((p) => p.id === line.productId) &&
            Number.isInteger(line.quantity) &&
            (line.quantity as number) >= 1,
        );
      if (!valid) return refuse(400, 'bad_request');
      const fingerprint = JSON.stringify(lines);
      const scoped = JSON.stringify([client, key]);
      const known = byKey.get(scoped);
      if (known !== undefined) {
        if (known.fingerprint !== fingerprint) return refuse(422, 'idempotency_key_reused');
        const location = { location: `/api/orders/${known.id}` };
        return known.pending
          ? send(202, view(known), { ...location, 'retry-after': '1' })
          : send(201, view(known), { ...location, 'idempotent-replayed': 'true' });
      }
      newOrders += 1;
      const order: StubOrder = {
        id: `o-${newOrders}`,
        owner: client,
        lines,
        fingerprint,
        looks: 0,
        pending: options.pendingEvery !== undefined && newOrders % options.pendingEvery === 0,
      };
      orders.set(order.id, order);
      byKey.set(scoped, order);
      if (options.unknownEvery && newOrders % options.unknownEvery === 0) {
        return refuse(503, 'order_state_unknown', { 'retry-after': '1' });
      }
      const location = { location: `/api/orders/${order.id}` };
      return order.pending
        ? send(202, view(order), { ...location, 'retry-after': '1' })
        : send(201, view(order), location);
    }
    return refuse(404, 'not_found');
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => handle(request, response, Buffer.concat(chunks), tooLarge));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    orders,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
