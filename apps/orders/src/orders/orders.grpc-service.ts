import { createHash } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject } from '@nestjs/common';
import { ordersV1 } from '@rebound/contracts';
import {
  deadlineFromEpoch,
  GrpcService,
  type HandlerContext,
  RpcError,
  runWithCall,
  SERVICE_CONFIG,
  status,
  systemClock,
  validateRequest,
} from '@rebound/service-defaults';
import { z } from 'zod';
import type { OrdersConfig } from '../orders.config.ts';
import { OrderEventsRelay } from '../outbox/order-events.relay.ts';
import { CheckoutSaga } from '../saga/checkout.saga.ts';
import { RunningSagas } from '../saga/running-sagas.registry.ts';
import { type OrderRecord, toProtoOrder } from './order.types.ts';
import { watchUntilFinal } from './order.watch.ts';
import { OrdersRepository } from './orders.repository.ts';

const id = z.string().trim().min(1, 'is required').max(128, 'is too long');

const placeSchema = z.object({
  idempotencyKey: id,
  customerId: id,
  lines: z
    .array(
      z.object({
        productId: id,
        quantity: z.number().int().min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
        unitPrice: z.object(
          {
            amountMinor: z.number().int().min(0, 'must not be negative').max(100_000_000),
            currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR'),
          },
          { error: 'is required' },
        ),
      }),
    )
    .min(1, 'at least one line is required')
    .max(50, 'at most 50 lines')
    .refine(
      (lines) => new Set(lines.map((line) => line.productId)).size === lines.length,
      'a product appears twice',
    )
    .refine(
      (lines) => new Set(lines.map((line) => line.unitPrice.currency)).size === 1,
      'lines must share one currency',
    ),
});

/** What makes two PlaceOrder calls "the same request" under one idempotency key. */
function requestHash(customerId: string, lines: readonly ordersV1.OrderLine[]): string {
  const canonical = [...lines]
    .map((line) => [line.productId, line.quantity, line.unitPrice?.amountMinor, line.unitPrice?.currency])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return createHash('sha256')
    .update(JSON.stringify([customerId, canonical]))
    .digest('hex');
}

/**
 * The key as the client wrote it. Gateways before per-customer keys (migration 003) sent `<customer>/<key>` to
 * make a global key unique; the gateway's keys never contain `/`, so that prefix can only come from such a
 * gateway. Stripping it keeps a retry that crosses versions during a rollout (orders upgraded first, then the
 * gateways) on the same order; migration 003 rewrote the rows stored before the upgrade the same way.
 */
export function bareIdempotencyKey(customerId: string, key: string): string {
  const prefix = `${customerId}/`;
  return key.startsWith(prefix) && key.length > prefix.length ? key.slice(prefix.length) : key;
}

/** `customerId` unset: an operator's read of any order; set, it must name a customer (empty is refused). */
const getSchema = z.object({ id, customerId: id.optional() });

/**
 * Resolves when `work` settles, `signal` aborts, or `waitMs` has passed, whichever comes first (the work itself
 * goes on).
 */
function until(work: Promise<unknown>, signal: AbortSignal, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || waitMs <= 0) return resolve();
    const timer = Number.isFinite(waitMs) ? systemClock.setTimer(resolve, waitMs) : undefined;
    const done = () => {
      timer?.cancel();
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    work.then(done, done);
  });
}

@GrpcService(ordersV1.OrdersServiceService)
export class OrdersGrpcService implements BeforeApplicationShutdown {
  readonly #orders: OrdersRepository;
  readonly #saga: CheckoutSaga;
  /** Sagas running in this process (requests and recovery), by order id. */
  readonly #running: RunningSagas;
  readonly #relay: OrderEventsRelay;
  readonly #answerMarginMs: number;

  // Explicit tokens: decorator metadata cannot name classes imported under isolatedModules.
  constructor(
    @Inject(OrdersRepository) orders: OrdersRepository,
    @Inject(CheckoutSaga) saga: CheckoutSaga,
    @Inject(RunningSagas) running: RunningSagas,
    @Inject(OrderEventsRelay) relay: OrderEventsRelay,
    @Inject(SERVICE_CONFIG) config: OrdersConfig,
  ) {
    this.#orders = orders;
    this.#saga = saga;
    this.#running = running;
    this.#relay = relay;
    this.#answerMarginMs = config.PLACE_ORDER_ANSWER_MARGIN_MS;
  }

  /**
   * Places the order (or finds the one this customer's key already placed) and answers with it once its saga is
   * final, or, at the latest, `PLACE_ORDER_ANSWER_MARGIN_MS` before the caller's deadline with the order as it
   * stands (PENDING: the saga goes on, paused or not). `replayed` tells a retry from the call that created it.
   */

  async placeOrder(
    request: ordersV1.PlaceOrderRequest,
    context: HandlerContext,
  ): Promise<ordersV1.PlaceOrderResponse> {
    const valid = validateRequest(placeSchema, request);
    const hash = requestHash(valid.customerId, valid.lines);
    const currency = valid.lines[0]?.unitPrice.currency ?? 'EUR';
    const totalMinor = valid.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice.amountMinor, 0);
    const key = bareIdempotencyKey(valid.customerId, valid.idempotencyKey);
    const { created, order } = await this.#orders.place({
      idempotencyKey: key,
      requestHash: hash,
      customerId: valid.customerId,
      lines: valid.lines,
      totalMinor,
      currency,
    });
    if (!created && order.requestHash !== hash) {
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `idempotency key ${key} was used for a different request`,
      );
    }
    if (created) {
      this.#relay.wake(); // OrderPlaced
      this.#start(order, context);
    }
    const waitMs = deadlineFromEpoch(context.deadline) - systemClock.now() - this.#answerMarginMs;
    const running = this.#running.get(order.id);
    if (running) {
      await until(running, context.signal, waitMs);
    } else if (!created) {
      // Another replica drives this saga: answer the same way it will, not with an early PENDING (a hedge of
      // a slow checkout would otherwise win with a 202 while the saga was about to end).
      const now = await watchUntilFinal(() => this.#orders.find(order.id), order, context.signal, waitMs);
      return { order: toProtoOrder(now), replayed: true };
    }
    return { order: toProtoOrder((await this.#orders.find(order.id)) ?? order), replayed: !created };
  }

  /**
   * One order; with `customerId` (the gateway always sends it) only that customer's: another customer's order
   * is NOT_FOUND with the same message as a missing one, so the answer does not tell that the id exists.
   */
  async getOrder(request: ordersV1.GetOrderRequest): Promise<ordersV1.GetOrderResponse> {
    const { id: orderId, customerId } = validateRequest(getSchema, request);
    const order = await this.#orders.find(orderId, customerId);
    if (!order) throw new RpcError(status.NOT_FOUND, `no order with id ${orderId}`);
    return { order: toProtoOrder(order) };
  }

  /**
   * Stops paused sagas from waiting (they stay PENDING for recovery), lets running steps finish, then stops the
   * outbox relay (after a last round, so their final events go out when the broker is up), before the database
   * closes (bounded by the shutdown hook timeout).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.#saga.stop();
    await this.#running.drain();
    await this.#relay.stop();
  }

  /**
   * Runs the saga detached from the incoming call: if the caller gives up, the saga still completes (its own
   * step deadlines bound it), and its downstream calls do not inherit the caller's deadline.
   */
  #start(order: OrderRecord, context: HandlerContext): void {
    const detached = {
      deadline: Number.POSITIVE_INFINITY,
      signal: new AbortController().signal,
      requestId: context.requestId,
      traceparent: context.traceparent,
      idempotencyKey: undefined,
      priority: undefined,
    };
    const saga = runWithCall(detached, () => this.#saga.run(order)).then(() => this.#relay.wake());
    // A saga that died half-way (database gone, process stopping) stays PENDING for the recovery worker.
    this.#running.track(order.id, saga).catch(() => undefined);
  }
}
