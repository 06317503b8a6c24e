import { status } from '@grpc/grpc-js';
import { Inject } from '@nestjs/common';
import { paymentsV1 } from '@rebound/contracts';
import { GrpcService, type HandlerContext, RpcError, validateRequest } from '@rebound/service-defaults';
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

const STATUS: Record<PaymentRow['status'], paymentsV1.PaymentStatus> = {
  PENDING: 'PAYMENT_STATUS_UNSPECIFIED',
  CHARGED: 'PAYMENT_STATUS_CHARGED',
  REFUNDED: 'PAYMENT_STATUS_REFUNDED',
  DECLINED: 'PAYMENT_STATUS_DECLINED',
};

/** A repeat of a known payment id: the first outcome again, or why not. */
function replay(row: PaymentRow, amountMinor: number, currency: string): paymentsV1.ChargeResponse {
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

  // Explicit tokens: decorator metadata cannot name classes imported under isolatedModules.
  constructor(
    @Inject(PaymentsRepository) payments: PaymentsRepository,
    @Inject(ProcessorSimulator) processor: ProcessorSimulator,
  ) {
    this.#payments = payments;
    this.#processor = processor;
  }

  async charge(
    request: paymentsV1.ChargeRequest,
    context: HandlerContext,
  ): Promise<paymentsV1.ChargeResponse> {
    const { paymentId, orderId, amount } = validateRequest(chargeSchema, request);
    const existing = await this.#payments.find(paymentId);
    if (existing) return replay(existing, amount.amountMinor, amount.currency);
    if (!(await this.#payments.claim(paymentId, orderId, amount.amountMinor, amount.currency))) {
      const raced = await this.#payments.find(paymentId);
      if (!raced) throw new RpcError(status.UNAVAILABLE, `payment ${paymentId} changed concurrently; retry`);
      return replay(raced, amount.amountMinor, amount.currency);
    }
    let outcome: Awaited<ReturnType<ProcessorSimulator['charge']>>;
    try {
      outcome = await this.#processor.charge(amount.amountMinor, context.signal);
    } catch (error) {
      await this.#payments.abandon(paymentId);
      throw error;
    }
    if (!outcome.approved) {
      await this.#payments.settle(paymentId, 'DECLINED', outcome.reason);
      throw new RpcError(status.FAILED_PRECONDITION, `payment declined: ${outcome.reason}`);
    }
    await this.#payments.settle(paymentId, 'CHARGED');
    return { paymentId, status: 'PAYMENT_STATUS_CHARGED' };
  }

  async refund(
    request: paymentsV1.RefundRequest,
    context: HandlerContext,
  ): Promise<paymentsV1.RefundResponse> {
    const { paymentId } = validateRequest(z.object({ paymentId: id }), request);
    const row = await this.#payments.find(paymentId);
    if (!row) throw new RpcError(status.NOT_FOUND, `no payment with id ${paymentId}`);
    if (row.status === 'REFUNDED') return { paymentId, status: 'PAYMENT_STATUS_REFUNDED' };
    if (row.status === 'DECLINED')
      throw new RpcError(status.FAILED_PRECONDITION, 'a declined payment has nothing to refund');
    if (row.status === 'PENDING')
      throw new RpcError(status.UNAVAILABLE, `payment ${paymentId} is in progress; retry`);
    await this.#processor.refund(context.signal);
    await this.#payments.markRefunded(paymentId);
    return { paymentId, status: 'PAYMENT_STATUS_REFUNDED' };
  }
}
