import { type CheckoutContext, placeOrder, reasonOf } from './checkout.flow.ts';
import { errorReason, type HttpResponse } from './http.transport.ts';
import type { RecordedOperation } from './load.stats.ts';
import type { Operation } from './operation.mix.ts';
import { type Outcome, outcomeOf } from './operation.outcome.ts';
import { integerBetween, pick } from './seeded.random.ts';
import type { ShopMemory } from './shop.memory.ts';

export interface ShopperContext extends CheckoutContext {
  readonly memory: ShopMemory;
  /** A fresh `Idempotency-Key` per checkout. */
  readonly idempotencyKey: () => string;
  /** Called for a product answer served from the gateway's catalog cache (`X-Rebound-Fallback`). */
  readonly onFallback?: () => void;
}

export interface ActionResult {
  /** What was done: the operation asked for, or `browse` when it needed a product list first. */
  readonly operation: RecordedOperation;
  readonly outcome: Outcome;
  /** For failures and unexpected refusals: an error code or `status error`. */
  readonly reason?: string;
}

const FALLBACK_HEADER = 'x-rebound-fallback';

function result(operation: RecordedOperation, answer: HttpResponse): ActionResult {
  const outcome = outcomeOf(answer.status);
  return outcome === 'ok' ? { operation, outcome } : { operation, outcome, reason: reasonOf(answer) };
}

async function get(
  context: ShopperContext,
  operation: RecordedOperation,
  apiKey: string,
  path: string,
): Promise<{ result: ActionResult; answer?: HttpResponse }> {
  try {
    const answer = await context.send({ method: 'GET', path, headers: { 'x-api-key': apiKey } });
    if (answer.headers[FALLBACK_HEADER] !== undefined) context.onFallback?.();
    return { result: result(operation, answer), answer };
  } catch (error) {
    return { result: { operation, outcome: 'failed', reason: errorReason(error) } };
  }
}

/** `GET /api/products?pageSize=…`; the ids listed are remembered for product pages and checkouts. */
export async function browse(context: ShopperContext, apiKey: string): Promise<ActionResult> {
  const pageSize = pick(context.random, [10, 20, 50]);
  const { result: outcome, answer } = await get(
    context,
    'browse',
    apiKey,
    `/api/products?pageSize=${pageSize}`,
  );
  const products = (answer?.body as { products?: { id?: unknown }[] } | undefined)?.products;
  if (Array.isArray(products)) {
    context.memory.learnProducts(
      products.map((product) => product.id).filter((id): id is string => typeof id === 'string'),
    );
  }
  return outcome;
}

/** `GET /api/products/:id` of a product seen in a list (a list first, if none was seen yet). */
export async function viewProduct(context: ShopperContext, apiKey: string): Promise<ActionResult> {
  const id = context.memory.someProduct(context.random);
  if (id === undefined) return browse(context, apiKey);
  return (await get(context, 'product', apiKey, `/api/products/${encodeURIComponent(id)}`)).result;
}

/** A checkout of 1–3 distinct known products, 1–2 of each, with a fresh `Idempotency-Key`. */
export async function checkout(context: ShopperContext, apiKey: string): Promise<ActionResult> {
  const lineCount = integerBetween(context.random, 1, 3);
  const ids = context.memory.someProducts(context.random, lineCount);
  if (ids.length === 0) return browse(context, apiKey);
  const lines = ids.map((productId) => ({ productId, quantity: integerBetween(context.random, 1, 2) }));
  const placed = await placeOrder(context, apiKey, lines, context.idempotencyKey());
  if (placed.orderId !== undefined) context.memory.rememberOrder(apiKey, placed.orderId);
  return placed.reason === undefined || placed.outcome === 'ok'
    ? { operation: 'checkout', outcome: placed.outcome }
    : { operation: 'checkout', outcome: placed.outcome, reason: placed.reason };
}

/** `GET /api/orders/:id` of an order this API key placed (a product page, if it placed none yet). */
export async function lookUpOrder(context: ShopperContext, apiKey: string): Promise<ActionResult> {
  const id = context.memory.someOrder(context.random, apiKey);
  if (id === undefined) return viewProduct(context, apiKey);
  return (await get(context, 'lookup', apiKey, `/api/orders/${encodeURIComponent(id)}`)).result;
}

export const ACTIONS: Readonly<
  Record<Operation, (context: ShopperContext, apiKey: string) => Promise<ActionResult>>
> = {
  browse,
  product: viewProduct,
  checkout,
  lookup: lookUpOrder,
};

/** The abusive client: product lists as fast as its stream says, ignoring `Retry-After` and 429s. */
export async function abuse(context: ShopperContext, apiKey: string): Promise<ActionResult> {
  return (await get(context, 'abuse', apiKey, '/api/products?pageSize=10')).result;
}

/** Requests of `POST /api/orders` that the edge must refuse, each for another reason. */
export const BAD_REQUESTS = [
  { kind: 'malformed-json', contentType: 'application/json', body: '{"lines": [', key: true },
  {
    kind: 'unknown-field',
    contentType: 'application/json',
    body: '{"lines":[{"productId":"p-1","quantity":1}],"coupon":"FREE"}',
    key: true,
  },
  {
    kind: 'zero-quantity',
    contentType: 'application/json',
    body: '{"lines":[{"productId":"p-1","quantity":0}]}',
    key: true,
  },
  { kind: 'no-lines', contentType: 'application/json', body: '{"lines":[]}', key: true },
  {
    kind: 'missing-idempotency-key',
    contentType: 'application/json',
    body: '{"lines":[{"productId":"p-1","quantity":1}]}',
    key: false,
  },
  { kind: 'wrong-content-type', contentType: 'text/plain', body: 'one rubber duck please', key: true },
  {
    kind: 'oversized',
    contentType: 'application/json',
    body: `{"lines":[],"pad":"${'x'.repeat(20_000)}"}`,
    key: true,
  },
] as const;

/** The bad-body client: one refused request of a seeded kind; its 4xx are expected (`rejected`). */
export async function sendBadBody(context: ShopperContext, apiKey: string): Promise<ActionResult> {
  const bad = pick(context.random, BAD_REQUESTS);
  try {
    const answer = await context.send({
      method: 'POST',
      path: '/api/orders',
      headers: {
        'x-api-key': apiKey,
        'content-type': bad.contentType,
        ...(bad.key ? { 'idempotency-key': context.idempotencyKey() } : {}),
      },
      body: bad.body,
    });
    return result('bad-body', answer);
  } catch (error) {
    return { operation: 'bad-body', outcome: 'failed', reason: errorReason(error) };
  }
}
