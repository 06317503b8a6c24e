import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  Gauge,
  registerReadAdminRoute,
  SERVICE_CONTEXT,
  type ServiceContext,
} from '@rebound/service-defaults';
import { z } from 'zod';
import { type LedgerEntry, PaymentsRepository } from './payments.repository.ts';

const query = z.object({
  orderId: z.string().trim().min(1).max(128).optional(),
  afterId: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

/** Net money per order: charges minus refunds, from ledger rows. */
function netByOrder(entries: readonly LedgerEntry[]): Record<string, number> {
  const net: Record<string, number> = {};
  for (const entry of entries) {
    const sign = entry.kind === 'CHARGE' ? 1 : entry.kind === 'REFUND' ? -1 : 0;
    net[entry.orderId] = (net[entry.orderId] ?? 0) + sign * entry.amountMinor;
  }
  return net;
}

/**
 * The payments ledger, readable from outside: `GET /admin/ledger[?orderId=…&afterId=…&limit=…]` (bearer
 * ADMIN_TOKEN) answers its rows in write order with `nextAfterId` to page on, the net money per order among
 * them, the totals by kind, and the charges in flight (PENDING, not in the ledger yet); `rebound_payments_ledger_amount_minor` and `rebound_payments_ledger_entries`
 * give the same totals to Prometheus. Everything is read from the table, so nothing resets on a restart.
 */
@Injectable()
export class LedgerAdmin implements OnApplicationBootstrap {
  readonly #context: ServiceContext;
  readonly #payments: PaymentsRepository;

  constructor(
    @Inject(SERVICE_CONTEXT) context: ServiceContext,
    @Inject(PaymentsRepository) payments: PaymentsRepository,
  ) {
    this.#context = context;
    this.#payments = payments;
    // The two gauges below ask at the same scrape: they share one scan of the ledger.
    let scan: ReturnType<PaymentsRepository['totals']> | undefined;
    const totals = () => {
      scan ??= payments
        .totals()
        .catch(() => [])
        .finally(() => {
          scan = undefined;
        });
      return scan;
    };
    new Gauge({
      name: 'rebound_payments_ledger_amount_minor',
      help: 'Money recorded in the payments ledger by kind (CHARGE, REFUND, VOID, DECLINE) and currency, in minor units (read from the database).',
      labelNames: ['kind', 'currency'] as const,
      registers: [context.registry],
      async collect() {
        this.reset();
        for (const row of await totals())
          this.set({ kind: row.kind, currency: row.currency }, row.amountMinor);
      },
    });
    new Gauge({
      name: 'rebound_payments_ledger_entries',
      help: 'Rows in the payments ledger by kind (read from the database).',
      labelNames: ['kind'] as const,
      registers: [context.registry],
      async collect() {
        this.reset();
        for (const row of await totals()) this.inc({ kind: row.kind }, row.entries);
      },
    });
  }

  onApplicationBootstrap(): void {
    registerReadAdminRoute(this.#context.admin, {
      path: '/admin/ledger',
      token: this.#context.config.ADMIN_TOKEN,
      query,
      read: async ({ orderId, afterId, limit }) => {
        const entries = await this.#payments.ledger({ ...(orderId && { orderId }), afterId, limit });
        return {
          entries,
          nextAfterId: entries.at(-1)?.id ?? afterId,
          netByOrder: netByOrder(entries),
          totals: await this.#payments.totals(),
          inFlight: await this.#payments.inFlight(),
        };
      },
    });
  }
}
