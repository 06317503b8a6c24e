import { Inject, Injectable } from '@nestjs/common';
import type { Database } from '@rebound/service-defaults';
import { DATABASE, Gauge, METRICS_REGISTRY, type Registry } from '@rebound/service-defaults';

/**
 * `rebound_orders{status}`: orders by state, counted in the orders table at scrape time, so that the books an
 * auditor compares (orders, ledger, stock, notifications) never reset when a process restarts.
 */
@Injectable()
export class OrdersBooksMetrics {
  constructor(@Inject(DATABASE) db: Database, @Inject(METRICS_REGISTRY) registry: Registry) {
    new Gauge({
      name: 'rebound_orders',
      help: 'Orders by status (PENDING, CONFIRMED, CANCELLED), counted in the orders table at scrape time.',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        const { rows } = await db
          .query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM orders GROUP BY status',
          )
          .catch(() => ({ rows: [] }));
        this.reset();
        for (const row of rows) this.set({ status: row.status }, row.n);
      },
    });
  }
}
