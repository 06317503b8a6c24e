import { Inject } from '@nestjs/common';
import { inventoryV1 } from '@rebound/contracts';
import { GrpcService, RpcError, status, validateRequest } from '@rebound/service-defaults';
import { z } from 'zod';
import { type ReservationState, StockRepository } from './stock.repository.ts';

const id = z.string().trim().min(1, 'is required').max(128, 'is too long');

const reserveSchema = z.object({
  reservationId: id,
  lines: z
    .array(
      z.object({
        productId: id,
        quantity: z.number().int().min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
      }),
    )
    .min(1, 'at least one line is required')
    .max(50, 'at most 50 lines')
    .refine(
      (lines) => new Set(lines.map((line) => line.productId)).size === lines.length,
      'a product appears twice',
    ),
});

const toStatus = (state: ReservationState): inventoryV1.ReservationStatus =>
  state === 'RESERVED' ? 'RESERVATION_STATUS_RESERVED' : 'RESERVATION_STATUS_RELEASED';

@GrpcService(inventoryV1.InventoryServiceService)
export class StockGrpcService {
  readonly #stock: StockRepository;

  // Explicit token: decorator metadata cannot name classes imported under isolatedModules.
  constructor(@Inject(StockRepository) stock: StockRepository) {
    this.#stock = stock;
  }

  async reserve(request: inventoryV1.ReserveRequest): Promise<inventoryV1.ReserveResponse> {
    const { reservationId, lines } = validateRequest(reserveSchema, request);
    const state = await this.#stock.reserve(reservationId, lines);
    return { reservationId, status: toStatus(state) };
  }

  async release(request: inventoryV1.ReleaseRequest): Promise<inventoryV1.ReleaseResponse> {
    const { reservationId } = validateRequest(z.object({ reservationId: id }), request);
    return { reservationId, status: toStatus(await this.#stock.release(reservationId)) };
  }

  async getStock(request: inventoryV1.GetStockRequest): Promise<inventoryV1.GetStockResponse> {
    const { productId } = validateRequest(z.object({ productId: id }), request);
    const row = await this.#stock.stock(productId);
    if (!row) throw new RpcError(status.NOT_FOUND, `no stock record for product ${productId}`);
    return { productId, available: row.available, reserved: row.reserved };
  }
}
