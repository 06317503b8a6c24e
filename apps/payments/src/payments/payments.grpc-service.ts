import { Inject } from '@nestjs/common';
import { paymentsV1 } from '@rebound/contracts';
import {
  Counter,
  GrpcService,
  type HandlerContext,
  METRICS_REGISTRY,
  type Registry,
  RpcError,
  status,
  validateRequest,
} from '@rebound/service-defaults';
import { z } from 'zod';
import { ProcessorSimulator } from '../processor/processor.simulator.ts';
import { type PaymentRow, PaymentsRepository } from './payments.repository.ts';

const id = z.string().trim().min(1, 'is required').max(128, 'is too long');

const chargeSchema = z.object({
  paymentId: id,
  orderId: id,
  amount: z.object(
    {
      amountMinor: z.number().int().min(1, 'must be positive').max(Number.MAX_SAFE_INTEGER),
      currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR'),
    },
    { error: 'is required' },
  ),
});

/** `orderId` is optional for callers older than the field: their tombstones name no order. */
const refundSchema = z.object({ paymentId: id, orderId: z.string().trim().max(128, 'is too long') });

const STATUS: Record<PaymentRow['status'], paymentsV1.PaymentStatus> = {
  PENDING: 'PAYMENT_STATUS_UNSPECIFIED',
  CHARGED: 'PAYMENT_STATUS_CHARGED',
  REFUNDED: 'PAYMENT_STATUS_REFUNDED',
  DECLINED: 'PAYMENT_STATUS_DECLINED',
  VOIDED: 'PAYMENT_STATUS_VOIDED',
};

/** A Charge for a payment id that already has a row: the first outcome again, or why not. */
function replay(row: PaymentRow, amountMinor: number, currency: string): paymentsV1.ChargeResponse {
  // Checked before the amount: a tombstone knows no amount, and no late charge may land on it.
  if (row.status === 'VOIDED') {
    throw new RpcError(
      status.FAILED_PRECONDITION,
      `payment ${row.id} was voided (its order was compensated); a late charge takes no money`,
    );
  }
  if (row.amountMinor !== amountMinor || row.currency !== currency) {
    throw new RpcError(status.ALREADY_EXISTS, `payment ${row.id} exists with another amount`);
  }
  if (row.status === 'PENDING')
    throw new RpcError(status.UNAVAILABLE, `payment ${row.id} is in progress; retry`);
  if (row.status === 'DECLINED')
    throw new RpcError(status.FAILED_PRECONDITION, `payment declined: ${row.detail}`);
  return { paymentId: row.id, status: STATUS[row.status] };
}

@GrpcService(paymentsV1.PaymentsServiceService)
export class PaymentsGrpcService {
  readonly #payments: PaymentsRepository;
  readonly #processor: ProcessorSimulator;
  readonly #late: Counter<'outcome'>;

  // Explicit tokens: decorator metadata cannot name classes imported under isolatedModules.
  constructor(
    @Inject(PaymentsRepository) payments: PaymentsRepository,
    @Inject(ProcessorSimulator) processor: ProcessorSimulator,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.#payments = payments;
    this.#processor = processor;
    this.#late = new Counter({
      name: 'rebound_payments_late_charges_total',
      help: 'Charges that arrived after their payment was voided by a compensation: refused on the tombstone, or reversed at the processor because the void landed while they were in flight.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
  }

  /** `replay`, counting a charge refused on a tombstone. */
  #replay(row: PaymentRow, amountMinor: number, currency: string): paymentsV1.ChargeResponse {
    if (row.status === 'VOIDED') this.#late.inc({ outcome: 'refused' });
    return replay(row, amountMinor, currency);
  }

  /**
   * Charges at most once per payment id. The call first claims the id (a PENDING row only it may settle; a payment
   * already settled, or held by a live call, is answered as it stands), asks
   * the processor, then settles its claim. A settle that finds its claim gone (the payment was voided by a
   * compensation, or taken over after this call went silent) records nothing and reverses the processor's
   * approval, so a frozen or slow call can never leave money taken for a cancelled order.
   */
  async charge(
    request: paymentsV1.ChargeRequest,
    context: HandlerContext,
  ): Promise<paymentsV1.ChargeResponse> {
    const { paymentId, orderId, amount } = validateRequest(chargeSchema, request);
    const claim = await this.#payments.claim(paymentId, orderId, amount.amountMinor, amount.currency);
    if (!claim) {
      const raced = await this.#payments.find(paymentId);
      if (!raced) throw new RpcError(status.UNAVAILABLE, `payment ${paymentId} changed concurrently; retry`);
      return this.#replay(raced, amount.amountMinor, amount.currency);
    }
    let outcome: Awaited<ReturnType<ProcessorSimulator['charge']>>;
    try {
      outcome = await this.#processor.charge(amount.amountMinor, context.signal);
    } catch (error) {
      await this.#payments.abandon(claim);
      throw error;
    }
    if (!outcome.approved) {
      await this.#payments.settle(claim, 'DECLINED', outcome.reason);
      throw new RpcError(status.FAILED_PRECONDITION, `payment declined: ${outcome.reason}`);
    }
    if (!(await this.#payments.settle(claim, 'CHARGED'))) {
      await this.#processor.reverse(amount.amountMinor);
      this.#late.inc({ outcome: 'reversed' });
      const now = await this.#payments.find(paymentId);
      if (!now) throw new RpcError(status.UNAVAILABLE, `payment ${paymentId} changed concurrently; retry`);
      return replay(now, amount.amountMinor, amount.currency);
    }
    return { paymentId, status: 'PAYMENT_STATUS_CHARGED' };
  }

  /**
   * Undoes a payment (compensation), idempotently: CHARGED is refunded at the processor then recorded REFUNDED;
   * an id not charged (unknown, or a charge in flight) is VOIDED, a tombstone every later Charge is refused on;
   * DECLINED, REFUNDED and VOIDED answer as they are.
   */
  async refund(
    request: paymentsV1.RefundRequest,
    context: HandlerContext,
  ): Promise<paymentsV1.RefundResponse> {
    const { paymentId, orderId } = validateRequest(refundSchema, request);
    const row = await this.#payments.voidUnlessCharged(paymentId, orderId);
    if (row.status !== 'CHARGED') return { paymentId, status: STATUS[row.status] };
    await this.#processor.refund(context.signal);
    await this.#payments.markRefunded(paymentId);
    return { paymentId, status: 'PAYMENT_STATUS_REFUNDED' };
  }
}
