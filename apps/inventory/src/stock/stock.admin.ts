import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  Gauge,
  registerJsonAdminRoute,
  registerReadAdminRoute,
  SERVICE_CONTEXT,
  type ServiceContext,
} from '@rebound/service-defaults';
import { z } from 'zod';
import { StockRepository } from './stock.repository.ts';

/**
 * Stock readable from outside: `GET /admin/stock` (bearer ADMIN_TOKEN) answers every product's available and
 * reserved units, and `rebound_inventory_stock_units{product,state}` gives them to Prometheus, both read from
 * the table at the time of asking. `POST /admin/restock` tops every product up (a game-day hook).
 */
@Injectable()
export class StockAdmin implements OnApplicationBootstrap {
  readonly #context: ServiceContext;
  readonly #stock: StockRepository;

  constructor(
    @Inject(SERVICE_CONTEXT) context: ServiceContext,
    @Inject(StockRepository) stock: StockRepository,
  ) {
    this.#context = context;
    this.#stock = stock;
    new Gauge({
      name: 'rebound_inventory_stock_units',
      help: 'Units of stock per product, available or reserved (read from the database at scrape).',
      labelNames: ['product', 'state'] as const,
      registers: [context.registry],
      async collect() {
        const rows = await stock.allStock().catch(() => []);
        this.reset();
        for (const row of rows) {
          this.set({ product: row.productId, state: 'available' }, row.available);
          this.set({ product: row.productId, state: 'reserved' }, row.reserved);
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    registerReadAdminRoute(this.#context.admin, {
      path: '/admin/stock',
      token: this.#context.config.ADMIN_TOKEN,
      query: z.object({}),
      read: async () => ({ products: await this.#stock.allStock() }),
    });
    // A game-day hook: `POST /admin/restock {"atLeast": 100}` brings every product's available units up to at
    // least that many, so a long session of traffic does not sell the shop out (reservations are untouched).
    registerJsonAdminRoute(this.#context.admin, {
      path: '/admin/restock',
      token: this.#context.config.ADMIN_TOKEN,
      schema: z.object({ atLeast: z.number().int().min(1).max(1_000_000) }).strict(),
      get: () => ({ hint: 'POST {"atLeast": N} raises every product to at least N available units' }),
      post: async ({ atLeast }) => ({ products: await this.#stock.restock(atLeast) }),
    });
  }
}
