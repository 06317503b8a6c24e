import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@rebound/service-defaults';
import {
  Counter,
  LOGGER,
  METRICS_REGISTRY,
  type Registry,
  RpcError,
  SERVICE_CONTEXT,
  type ServiceContext,
  seededRandom,
  status,
  systemClock,
} from '@rebound/service-defaults';
import {
  INVENTORY_CLIENT,
  type InventoryClient,
  PAYMENTS_CLIENT,
  type PaymentsClient,
} from '../downstream/downstream.module.ts';
import { type OrderRecord, paymentIdOf, reservationIdOf } from '../orders/order.types.ts';
import { type Fence, OrdersRepository, type SagaStep, type StepRecord } from '../orders/orders.repository.ts';
import type { OrdersConfig } from '../orders.config.ts';
import { SagaHold } from './saga-hold.admin.ts';
import { isFinalDetail, type StepResult, StepRunner } from './step.runner.ts';

type Failed = StepResult & { ok: false };
type CancellationReason = 'OUT_OF_STOCK' | 'PAYMENT_DECLINED' | 'DEPENDENCY_UNAVAILABLE';

/** A per-replica seed, so that paused sagas of two replicas do not retry in lockstep. */
const seedOf = (instance: string) => createHash('sha256').update(instance).digest().readUInt32LE(0);

/**
 * The checkout saga, as explicit steps with their outcomes recorded per order:
 *
 *   reserve_stock → charge_payment → confirm_order                                    (CONFIRMED)
 *   a forward step refused, or unknown past the pause bound → refund_payment → release_stock → cancel_order
 *                                                                                    (CANCELLED, reason)
 *
 * A forward step whose call got no answer (timeout, dependency unavailable) is UNKNOWN, not failed: the saga
 * sends the same idempotent request again (same `rsv-<id>` / `pay-<id>`) and waits out the outage, checkpointed,
 * up to `SAGA_PAUSE_BOUND_MS`. Only a business refusal (out of stock, declined) or an outage longer than the bound
 * cancels. Compensation runs in reverse over every step that was attempted, whatever its answer, because a call
 * that went unanswered may still land later: Refund and Release leave tombstones on the ids they do not know
 * (VOIDED payment, RELEASED reservation), so a late Charge or Reserve is refused and takes nothing after its
 * compensation. Compensations are retried until they succeed (or the process stops: recovery resumes them).
 */
@Injectable()
export class CheckoutSaga {
  readonly #orders: OrdersRepository;
  readonly #inventory: InventoryClient;
  readonly #payments: PaymentsClient;
  readonly #config: OrdersConfig;
  readonly #steps: StepRunner;
  readonly #hold: SagaHold;
  readonly #outcomes: Counter<'outcome' | 'reason'>;
  readonly #resumed: Counter;
  /** Aborted when the process stops: paused steps stop waiting and their sagas are left for recovery. */
  readonly #stopping = new AbortController();

  constructor(
    @Inject(OrdersRepository) orders: OrdersRepository,
    @Inject(INVENTORY_CLIENT) inventory: InventoryClient,
    @Inject(PAYMENTS_CLIENT) payments: PaymentsClient,
    @Inject(SERVICE_CONTEXT) context: ServiceContext<OrdersConfig>,
    @Inject(LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(SagaHold) hold: SagaHold,
  ) {
    this.#hold = hold;
    this.#orders = orders;
    this.#inventory = inventory;
    this.#payments = payments;
    this.#config = context.config;
    this.#steps = new StepRunner(orders, logger, {
      clock: systemClock,
      random: seededRandom(seedOf(context.instance)),
    });
    this.#outcomes = new Counter({
      name: 'rebound_orders_sagas_total',
      help: 'Checkout sagas finished by this process, by outcome (confirmed, cancelled) and cancellation reason.',
      labelNames: ['outcome', 'reason'] as const,
      registers: [registry],
    });
    this.#resumed = new Counter({
      name: 'rebound_orders_sagas_resumed_total',
      help: 'Sagas resumed from their checkpoint by the recovery worker.',
      registers: [registry],
    });
  }

  /** Runs a new order's saga from the first step. */
  run(order: OrderRecord): Promise<void> {
    return this.#fromReserve(order);
  }

  /** Stops paused steps from waiting any longer (shutdown); their sagas stay PENDING for recovery. */
  stop(): void {
    this.#stopping.abort();
  }

  /**
   * Resumes a saga from its checkpoint (the recorded step outcomes): a step that SUCCEEDED is not run again; a
   * step that FAILED is not retried (its compensation runs); a step left STARTED or UNKNOWN is re-sent with the
   * same idempotency key, so the downstream service answers as it did the first time, and its pause bound runs
   * on from when it first went unknown. Every checkpoint write passes `fence` first.
   */
  async resume(order: OrderRecord, steps: readonly StepRecord[], fence: Fence): Promise<void> {
    const outcome = (name: SagaStep) => steps.find((s) => s.step === name);
    const failed = (record: StepRecord): Failed => ({
      ok: false,
      final: isFinalDetail(record.detail),
      code: -1,
      detail: record.detail,
    });
    this.#resumed.inc();
    const reserve = outcome('reserve_stock');
    if (reserve?.outcome === 'FAILED') return this.#compensate(order, failed(reserve), 'reserve', fence);
    if (reserve?.outcome !== 'SUCCEEDED') return this.#fromReserve(order, fence);
    const charge = outcome('charge_payment');
    if (charge?.outcome === 'FAILED') return this.#compensate(order, failed(charge), 'charge', fence);
    if (charge?.outcome !== 'SUCCEEDED') return this.#fromCharge(order, fence);
    return this.#confirm(order.id, fence);
  }

  #forward(
    orderId: string,
    step: SagaStep,
    call: () => Promise<unknown>,
    fence?: Fence,
  ): Promise<StepResult> {
    return this.#steps.run(orderId, step, call, this.#config.SAGA_PAUSE_BOUND_MS, {
      signal: this.#stopping.signal,
      ...(fence && { fence }),
    });
  }

  async #fromReserve(order: OrderRecord, fence?: Fence): Promise<void> {
    await this.#hold.at('reserve', this.#stopping.signal);
    const reservationId = reservationIdOf(order.id);
    const reserved = await this.#forward(
      order.id,
      'reserve_stock',
      async () => {
        const answer = await this.#inventory.reserve(
          { reservationId, lines: order.lines.map(({ productId, quantity }) => ({ productId, quantity })) },
          { idempotencyKey: reservationId },
        );
        if (answer.status !== 'RESERVATION_STATUS_RESERVED')
          throw new RpcError(status.FAILED_PRECONDITION, `reservation ${reservationId} is ${answer.status}`);
      },
      fence,
    );
    if (!reserved.ok) return this.#compensate(order, reserved, 'reserve', fence);
    return this.#fromCharge(order, fence);
  }

  async #fromCharge(order: OrderRecord, fence?: Fence): Promise<void> {
    await this.#hold.at('charge', this.#stopping.signal);
    const paymentId = paymentIdOf(order.id);
    const charged = await this.#forward(
      order.id,
      'charge_payment',
      async () => {
        const answer = await this.#payments.charge(
          {
            paymentId,
            orderId: order.id,
            amount: { amountMinor: order.totalMinor, currency: order.currency },
          },
          { idempotencyKey: paymentId },
        );
        if (answer.status !== 'PAYMENT_STATUS_CHARGED')
          throw new RpcError(status.FAILED_PRECONDITION, `payment ${paymentId} is ${answer.status}`);
      },
      fence,
    );
    if (!charged.ok) return this.#compensate(order, charged, 'charge', fence);
    return this.#confirm(order.id, fence);
  }

  /**
   * Undoes every step that was attempted, in reverse (refund, then release), then cancels. Each compensation is
   * retried until it succeeds: an order is never cancelled while money or stock may still be held for it.
   */
  async #compensate(
    order: OrderRecord,
    failed: Failed,
    at: 'reserve' | 'charge',
    fence?: Fence,
  ): Promise<void> {
    const compensation = (step: SagaStep, call: () => Promise<unknown>) =>
      this.#steps.run(order.id, step, call, Number.POSITIVE_INFINITY, {
        signal: this.#stopping.signal,
        ...(fence && { fence }),
      });
    if (at === 'charge') {
      const paymentId = paymentIdOf(order.id);
      await compensation('refund_payment', () =>
        this.#payments.refund({ paymentId, orderId: order.id }, { idempotencyKey: `refund-${paymentId}` }),
      );
    }
    await this.#hold.at('release', this.#stopping.signal);
    const reservationId = reservationIdOf(order.id);
    await compensation('release_stock', () =>
      this.#inventory.release({ reservationId }, { idempotencyKey: `release-${reservationId}` }),
    );
    const reason: CancellationReason = !failed.final
      ? 'DEPENDENCY_UNAVAILABLE'
      : at === 'reserve'
        ? 'OUT_OF_STOCK'
        : 'PAYMENT_DECLINED';
    await this.#orders.cancel(order.id, reason, failed.detail, fence);
    this.#outcomes.inc({ outcome: 'cancelled', reason });
  }

  async #confirm(id: string, fence?: Fence): Promise<void> {
    await this.#hold.at('confirm', this.#stopping.signal);
    await this.#orders.confirm(id, fence);
    this.#outcomes.inc({ outcome: 'confirmed', reason: '' });
  }
}
