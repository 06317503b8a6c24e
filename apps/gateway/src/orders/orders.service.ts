import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ordersV1 } from '@rebound/contracts';
import { status } from '@rebound/service-defaults';
import { GATEWAY_CLIENTS, type GatewayClients } from '../clients/gateway.clients.ts';
import { httpErrorFromRpc } from '../edge/grpc-to-http.mapper.ts';
import { HttpError } from '../edge/http.error.ts';
import { GATEWAY_CONTEXT, type GatewayContext } from '../gateway.context.ts';
import { CatalogService } from '../products/catalog.service.ts';
import { IdempotencyStore, type StoredAnswer } from './idempotency.store.ts';
import type { PlaceOrderBody } from './order.schema.ts';

export interface PlacedAnswer extends StoredAnswer {
  /** True when this answer is a replay of an earlier request with the same key and body. */
  readonly replayed: boolean;
}

const strip = (value: string, prefix: string) =>
  value.startsWith(prefix) ? value.slice(prefix.length) : value;

export function toOrderView(order: ordersV1.Order): Record<string, unknown> {
  const cancelled = order.status === 'ORDER_STATUS_CANCELLED';
  return {
    id: order.id,
    status: strip(order.status, 'ORDER_STATUS_'),
    lines: order.lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: line.unitPrice ?? null,
    })),
    total: order.total ?? null,
    ...(cancelled
      ? {
          cancellation: {
            reason: strip(order.cancellationReason, 'CANCELLATION_REASON_'),
            detail: order.cancellationDetail,
          },
        }
      : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** The words of orders' own NOT_FOUND, so that every "not yours" and "no such order" answer is the same. */
const notFound = (id: string) => new HttpError(404, 'not_found', `no order with id ${id}`);

/** Seconds a client is asked to wait before looking at a PENDING order again. */
const PENDING_RETRY_AFTER_S = 1;

/** Answers that are final for a key and body (worth replaying); 5xx answers free the key for a retry. */
const isFinal = (status: number) => status < 500;

@Injectable()
export class OrdersService {
  readonly #clients: GatewayClients;
  readonly #catalog: CatalogService;
  readonly #context: GatewayContext;
  readonly #store: IdempotencyStore;

  constructor(
    @Inject(GATEWAY_CLIENTS) clients: GatewayClients,
    @Inject(CatalogService) catalog: CatalogService,
    @Inject(GATEWAY_CONTEXT) context: GatewayContext,
  ) {
    this.#clients = clients;
    this.#catalog = catalog;
    this.#context = context;
    this.#store = new IdempotencyStore({
      ttlMs: context.config.IDEMPOTENCY_TTL_MS,
      maxKeys: context.config.IDEMPOTENCY_MAX_KEYS,
    });
  }

  /**
   * Places an order at most once per client and key (see IdempotencyStore for the rules): the key is the
   * client's own, here and in orders, which receives it as sent with `customerId` = the client.
   */
  async place(client: string, key: string, body: PlaceOrderBody, requestId: string): Promise<PlacedAnswer> {
    const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const begun = this.#store.begin(client, key, fingerprint);
    const outcomes = this.#context.edge.idempotentReplays;
    switch (begun.kind) {
      case 'conflict':
        outcomes.inc({ outcome: 'conflict' });
        throw new HttpError(
          422,
          'idempotency_key_reused',
          `Idempotency-Key ${key} was already used with another body`,
        );
      case 'replay':
        outcomes.inc({ outcome: 'replayed' });
        return { ...begun.answer, replayed: true };
      case 'join': {
        outcomes.inc({ outcome: 'joined' });
        const answer = await begun.answer;
        if (answer === undefined) {
          throw new HttpError(
            409,
            'conflict',
            `the first request with Idempotency-Key ${key} failed; retry it`,
          );
        }
        return { ...answer, replayed: true };
      }
      case 'new':
        break;
    }
    try {
      const { answer, replayed, final } = await this.#run(client, key, body, requestId);
      if (final) begun.complete(answer);
      else begun.share(answer);
      return { ...answer, replayed };
    } catch (error) {
      if (error instanceof HttpError && isFinal(error.status)) {
        begun.complete({
          status: error.status,
          body: { error: error.code, message: error.message, details: error.details },
        });
      } else {
        begun.abandon();
      }
      throw error;
    }
  }

  /**
   * Prices the lines from the catalog and places the order. The answer is 201 Created with the order when it is
   * final (CONFIRMED or CANCELLED) within the deadline, else 202 Accepted with the PENDING order (its saga goes
   * on, perhaps paused through a dependency's outage), `Location` to poll and `Retry-After`. An orders service that
   * does not answer in time is a 503 with `Retry-After`, never a 504: the order may exist, and the same request
   * with the same key will find it.
   */
  async #run(
    client: string,
    key: string,
    body: PlaceOrderBody,
    requestId: string,
  ): Promise<{ answer: StoredAnswer; replayed: boolean; final: boolean }> {
    const ids = [...new Set(body.lines.map((line) => line.productId))];
    const prices = new Map<string, { amountMinor: number; currency: string }>();
    const unknown: Array<{ path: string; message: string }> = [];
    await Promise.all(
      ids.map(async (id) => {
        try {
          const product = (await this.#catalog.get(id, requestId)).value;
          if (product.price !== null) prices.set(id, product.price);
        } catch (error) {
          if (!(error instanceof HttpError) || error.status !== 404) throw error;
        }
      }),
    );
    body.lines.forEach((line, index) => {
      if (!prices.has(line.productId))
        unknown.push({ path: `lines.${index}.productId`, message: `unknown product ${line.productId}` });
    });
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        'bad_request',
        `invalid body: ${unknown.map((u) => `${u.path}: ${u.message}`).join('; ')}`,
        {
          details: unknown,
        },
      );
    }
    try {
      const response = await this.#clients.orders.placeOrder(
        {
          idempotencyKey: key,
          customerId: client,
          lines: body.lines.map((line) => ({
            productId: line.productId,
            quantity: line.quantity,
            unitPrice: prices.get(line.productId),
          })),
        },
        { idempotencyKey: key, priority: 'critical', metadata: { 'x-request-id': requestId } },
      );
      const order = response.order;
      if (order === undefined) throw new HttpError(502, 'bad_gateway', 'orders answered without an order');
      const final = order.status !== 'ORDER_STATUS_PENDING';
      const location = `/api/orders/${encodeURIComponent(order.id)}`;
      const answer: StoredAnswer = final
        ? { status: 201, body: { order: toOrderView(order) }, headers: { location } }
        : {
            status: 202,
            body: { order: toOrderView(order) },
            headers: { location, 'retry-after': String(PENDING_RETRY_AFTER_S) },
          };
      return { answer, replayed: response.replayed, final };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if ((error as { code?: unknown }).code === status.FAILED_PRECONDITION) {
        // Orders keeps every key: another gateway replica took this key first with another body.
        throw new HttpError(
          422,
          'idempotency_key_reused',
          `Idempotency-Key ${key} was already used with another body`,
          { cause: error },
        );
      }
      if ((error as { code?: unknown }).code === status.DEADLINE_EXCEEDED) {
        throw new HttpError(
          503,
          'order_state_unknown',
          'orders did not answer in time; the order may have been placed: send the same request with the same Idempotency-Key again to get it',
          { headers: { 'retry-after': String(PENDING_RETRY_AFTER_S) }, cause: error },
        );
      }
      throw httpErrorFromRpc(error, 'orders');
    }
  }

  /**
   * The client's own order, or 404. Orders filters by owner (`customerId`), so another client's order never
   * leaves it; the owner is checked here once more, so that an orders replica that ignores the filter (older
   * than the field) answers 404 too instead of leaking. Another client's order is the same 404, word for word,
   * as a missing one: the answer does not tell that the id exists.
   */
  async get(client: string, id: string, requestId: string): Promise<Record<string, unknown>> {
    try {
      const response = await this.#clients.orders.getOrder(
        { id, customerId: client },
        { metadata: { 'x-request-id': requestId } },
      );
      if (response.order === undefined || response.order.customerId !== client) throw notFound(id);
      return { order: toOrderView(response.order) };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw httpErrorFromRpc(error, 'orders');
    }
  }
}
