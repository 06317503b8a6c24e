import assert from 'node:assert/strict';
import { api, type Platform, rawUnaryCall } from '../../src/index.ts';
import type { Report } from './shop.scenario.ts';

interface Case {
  readonly name: string;
  readonly path: string;
  readonly init: Parameters<typeof api>[2];
  readonly status: number;
  readonly message: RegExp;
}

const order = (key: string) => ({ 'idempotency-key': key });

const CASES: readonly Case[] = [
  {
    name: 'malformed JSON',
    path: '/api/orders',
    init: { body: '{"lines": [', headers: order('bad-1') },
    status: 400,
    message: /JSON/,
  },
  {
    name: 'wrong types',
    path: '/api/orders',
    init: { body: { lines: [{ productId: 7, quantity: 'two' }] }, headers: order('bad-2') },
    status: 400,
    message: /lines\.0\.(productId|quantity)/,
  },
  {
    name: 'unknown field',
    path: '/api/orders',
    init: { body: { lines: [{ productId: 'p-001', quantity: 1 }], admin: true }, headers: order('bad-3') },
    status: 400,
    message: /admin|unrecognized/i,
  },
  {
    name: 'huge body',
    path: '/api/orders',
    init: {
      body: { lines: [{ productId: 'p-001', quantity: 1 }], pad: 'x'.repeat(1 << 16) },
      headers: order('bad-4'),
    },
    status: 413,
    message: /./,
  },
  {
    name: 'no Idempotency-Key',
    path: '/api/orders',
    init: { body: { lines: [{ productId: 'p-001', quantity: 1 }] } },
    status: 400,
    message: /idempotency/i,
  },
  {
    name: 'not JSON',
    path: '/api/orders',
    init: { method: 'POST', headers: { ...order('bad-5'), 'content-type': 'text/plain' } },
    status: 415,
    message: /./,
  },
  { name: 'unknown route', path: '/api/nope', init: {}, status: 404, message: /no route GET \/api\/nope/ },
  { name: 'unknown product', path: '/api/products/p-999', init: {}, status: 404, message: /./ },
  {
    name: 'missing API key',
    path: '/api/products',
    init: { apiKey: null },
    status: 401,
    message: /missing API key/,
  },
  {
    name: 'wrong API key',
    path: '/api/products',
    init: { apiKey: 'nope' },
    status: 401,
    message: /unknown API key/,
  },
];

/** Bytes that are not a valid protobuf message: field 1, length 5, one byte of it present. */
const MALFORMED = Buffer.from([0x0a, 0x05, 0x61]);

const GRPC_TARGETS = [
  ['catalog-0', '/rebound.catalog.v1.CatalogService/GetProduct'],
  ['catalog-1', '/rebound.catalog.v1.CatalogService/ListProducts'],
  ['inventory-0', '/rebound.inventory.v1.InventoryService/Reserve'],
  ['payments-0', '/rebound.payments.v1.PaymentsService/Charge'],
  ['payments-1', '/rebound.payments.v1.PaymentsService/Refund'],
  ['orders-0', '/rebound.orders.v1.OrdersService/PlaceOrder'],
] as const;

export async function badInputEverywhere(platform: Platform, report: Report): Promise<void> {
  const before = await platform.status();
  const url = platform.gatewayUrl;
  const seen: string[] = [];
  for (const entry of CASES) {
    // A client of its own, so that the strikes of this suite never block client-a for the others.
    const response = await api(url, entry.path, { apiKey: 'key-b', ...entry.init });
    assert.equal(response.status, entry.status, `${entry.name}: ${JSON.stringify(response.json)}`);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/, entry.name);
    assert.equal(typeof response.json.error, 'string', `${entry.name}: an error code`);
    assert.match(String(response.json.message), entry.message, entry.name);
    assert.equal(typeof response.json.requestId, 'string', `${entry.name}: a request id`);
    seen.push(`${entry.name} ${response.status}`);
  }
  for (const [name, path] of GRPC_TARGETS) {
    const answer = await rawUnaryCall(platform.address(name), path, MALFORMED);
    assert.equal(answer.code, 'INVALID_ARGUMENT', `${name} ${path}: ${answer.details}`);
    assert.match(answer.details, /malformed/i);
    seen.push(`${name} malformed protobuf ${answer.code}`);
  }
  // Everyone still serves, and nobody was restarted.
  const products = await api(url, '/api/products?pageSize=2');
  assert.equal(products.status, 200);
  const after = await platform.status();
  const judged = (rows: typeof before.rows) =>
    rows.filter((row) => !platform.optional.has(row.process)).map((row) => [row.name, row.restarts, row.pid]);
  assert.deepEqual(judged(after.rows), judged(before.rows), 'no process crashed or restarted');
  report(`bad input: ${seen.length} refusals (${seen.join(', ')}); restarts unchanged`);
}
