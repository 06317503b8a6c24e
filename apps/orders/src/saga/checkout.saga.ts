import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@rebound/observability';
import { LOGGER, METRICS_REGISTRY, SERVICE_CONFIG } from '@rebound/service-defaults';
import { Counter, type Registry } from 'prom-client';
import type { OrdersConfig } from '../config.ts';
import {
  INVENTORY_CLIENT,
  type InventoryClient,
  PAYMENTS_CLIENT,
  type PaymentsClient,
} from '../downstream/downstream.module.ts';
import { type OrderRecord, paymentIdOf, reservationIdOf } from '../orders/order.types.ts';
import { type Fence, OrdersRepository, type SagaStep, type StepRecord } from '../orders/orders.repository.ts';
import { isFinalDetail, runStep, type StepResult } from './step-runner.ts';

/** Refund answers meaning the charge never took effect (unknown payment id, or declined). */
const NOTHING_TO_REFUND: ReadonlySet<number> = new Set([status.NOT_FOUND, status.FAILED_PRECONDITION]);

type StepFn = (
  name: SagaStep,
  call: () => Promise<unknown>,
  skipOn?: ReadonlySet<number>,
) => Promise<StepResult>;

/**
 * The checkout saga, as explicit steps with their outcomes recorded per order:
 *
 *   reserve_stock → charge_payment → confirm_order                    (CONFIRMED)
 *   a forward step fails for good → refund_payment → release_stock → cancel_order   (CANCELLED, reason)
 *
 * Compensation runs in reverse over the steps that may have taken effect; each downstream call is idempotent by
 * a key derived from the order id (`rsv-<id>`, `pay-<id>`), so retries and a future resume never double-apply.
 */
@Injectable()
export class CheckoutSaga {
  readonly #orders: OrdersRepository;
  readonly #inventory: InventoryClient;
  readonly #payments: PaymentsClient;
  readonly #config: OrdersConfig;
  readonly #logger: Logger;
  readonly #outcomes: Counter<'outcome' | 'reason'>;
  readonly #resumed: Counter;

  constructor(
    @Inject(OrdersRepository) orders: OrdersRepository,
    @Inject(INVENTORY_CLIENT) inventory: InventoryClient,
    @Inject(PAYMENTS_CLIENT) payments: PaymentsClient,
    @Inject(SERVICE_CONFIG) config: OrdersConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.#orders = orders;
    this.#inventory = inventory;
    this.#payments = payments;
    this.#config = config;
    this.#logger = logger;
    this.#outcomes = new Counter({
      name: 'rebound_orders_sagas_total',
      help: 'Checkout sagas finished, by outcome (confirmed, cancelled, stuck) and cancellation reason.',
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
    return this.#fromReserve(order, this.#stepFn(order.id));
  }

  /**
   * Resumes a saga from its checkpoint (the recorded step outcomes): a step that SUCCEEDED is not run again, a
   * step that FAILED is not retried (its compensation runs), a step left STARTED (unknown outcome) is re-issued
   * with the same idempotency key, so the downstream service answers as it did the first time. Every checkpoint
   * write passes `fence` first.
   */
  async resume(order: OrderRecord, steps: readonly StepRecord[], fence: Fence): Promise<void> {
    const id = order.id;
    const step = this.#stepFn(id, fence);
    const outcome = (name: SagaStep) => steps.find((s) => s.step === name);
    const failed = (record: StepRecord): StepResult & { ok: false } => ({
      ok: false,
      final: isFinalDetail(record.detail),
      code: -1,
      detail: record.detail,
    });
    this.#resumed.inc();
    const reserve = outcome('reserve_stock');
    if (reserve?.outcome === 'FAILED') return this.#afterReserveFailed(id, failed(reserve), step, fence);
    if (reserve?.outcome !== 'SUCCEEDED') return this.#fromReserve(order, step, fence);
    const charge = outcome('charge_payment');
    if (charge?.outcome === 'FAILED') return this.#afterChargeFailed(id, failed(charge), step, fence);
    if (charge?.outcome !== 'SUCCEEDED') return this.#fromCharge(order, step, fence);
    return this.#confirm(id, fence);
  }

  #stepFn(id: string, fence?: Fence): StepFn {
    return (name, call, skipOn) =>
      runStep(this.#orders, this.#logger, id, name, call, {
        deadlineMs:
          name === 'reserve_stock' || name === 'charge_payment'
            ? this.#config.SAGA_STEP_DEADLINE_MS
            : this.#config.SAGA_COMPENSATION_DEADLINE_MS,
        ...(skipOn && { skipOn }),
        ...(fence && { fence }),
      });
  }

  async #fromReserve(order: OrderRecord, step: StepFn, fence?: Fence): Promise<void> {
    const id = order.id;
    const reserved = await step('reserve_stock', () =>
      this.#inventory.reserve(
        {
          reservationId: reservationIdOf(id),
          lines: order.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        },
        { idempotencyKey: reservationIdOf(id) },
      ),
    );
    if (!reserved.ok) return this.#afterReserveFailed(id, reserved, step, fence);
    return this.#fromCharge(order, step, fence);
  }

  async #afterReserveFailed(
    id: string,
    reserved: StepResult & { ok: false },
    step: StepFn,
    fence?: Fence,
  ): Promise<void> {
    // A final "no" reserved nothing; an unanswered reserve may have, so release it (idempotent, tombstoned).
    const compensated = reserved.final || (await this.#release(id, step));
    return this.#cancel(
      id,
      reserved,
      reserved.final ? 'OUT_OF_STOCK' : 'DEPENDENCY_UNAVAILABLE',
      compensated,
      fence,
    );
  }

  async #fromCharge(order: OrderRecord, step: StepFn, fence?: Fence): Promise<void> {
    const id = order.id;
    const charged = await step('charge_payment', () =>
      this.#payments.charge(
        {
          paymentId: paymentIdOf(id),
          orderId: id,
          amount: { amountMinor: order.totalMinor, currency: order.currency },
        },
        { idempotencyKey: paymentIdOf(id) },
      ),
    );
    if (!charged.ok) return this.#afterChargeFailed(id, charged, step, fence);
    return this.#confirm(id, fence);
  }

  async #afterChargeFailed(
    id: string,
    charged: StepResult & { ok: false },
    step: StepFn,
    fence?: Fence,
  ): Promise<void> {
    // Compensate in reverse: refund (only an unanswered charge may have gone through; a declined or unknown
    // payment has nothing to refund and is recorded SKIPPED), then release the stock.
    const paymentId = paymentIdOf(id);
    const refunded = charged.final
      ? await this.#skip(id, 'refund_payment', 'charge declined: nothing to refund', fence)
      : await step(
          'refund_payment',
          () => this.#payments.refund({ paymentId }, { idempotencyKey: `refund-${paymentId}` }),
          NOTHING_TO_REFUND,
        );
    const released = refunded.ok && (await this.#release(id, step));
    return this.#cancel(
      id,
      charged,
      charged.final ? 'PAYMENT_DECLINED' : 'DEPENDENCY_UNAVAILABLE',
      released,
      fence,
    );
  }

  async #confirm(id: string, fence?: Fence): Promise<void> {
    await this.#orders.confirm(id, fence);
    this.#outcomes.inc({ outcome: 'confirmed', reason: '' });
  }

  async #release(orderId: string, step: StepFn): Promise<boolean> {
    const reservationId = reservationIdOf(orderId);
    return (
      await step('release_stock', () =>
        this.#inventory.release({ reservationId }, { idempotencyKey: `release-${reservationId}` }),
      )
    ).ok;
  }

  async #skip(orderId: string, name: SagaStep, detail: string, fence?: Fence): Promise<StepResult> {
    await this.#orders.recordStep(orderId, name, 'SKIPPED', detail, undefined, fence);
    return { ok: true };
  }

  async #cancel(
    orderId: string,
    failed: StepResult & { ok: false },
    reason: 'OUT_OF_STOCK' | 'PAYMENT_DECLINED' | 'DEPENDENCY_UNAVAILABLE',
    compensated: boolean,
    fence?: Fence,
  ): Promise<void> {
    if (!compensated) {
      // Left PENDING with the failed compensation recorded: the recovery worker resumes it once stale.
      this.#outcomes.inc({ outcome: 'stuck', reason });
      this.#logger.error(
        { orderId, reason },
        'compensation did not complete; order left PENDING for recovery',
      );
      return;
    }
    await this.#orders.cancel(orderId, reason, failed.detail, fence);
    this.#outcomes.inc({ outcome: 'cancelled', reason });
  }
}
