import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Database } from '@rebound/service-defaults';
import {
  DATABASE,
  Gauge,
  registerReadAdminRoute,
  SERVICE_CONTEXT,
  type ServiceContext,
} from '@rebound/service-defaults';
import { z } from 'zod';

const query = z.object({
  orderId: z.string().trim().min(1).max(128).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

const rowColumns = 'order_id AS "orderId", kind, event_id AS "eventId", detail, created_at AS "createdAt"';

interface NotificationCounts {
  readonly total: number;
  readonly confirmed: number;
  readonly cancelled: number;
}

/**
 * `GET /admin/notifications` (bearer ADMIN_TOKEN): how many notifications were recorded, by kind, and the
 * latest few; `?orderId=…` adds that order's rows, `?offset=…&limit=…` a page of every row (oldest first), so
 * that an auditor outside can account for each order. Chaos tests use it; operators see the service working.
 */
@Injectable()
export class NotificationsAdmin implements OnApplicationBootstrap {
  readonly #context: ServiceContext;
  readonly #db: Database;

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext, @Inject(DATABASE) db: Database) {
    this.#context = context;
    this.#db = db;
    const admin = this;
    new Gauge({
      name: 'rebound_notifications_recorded',
      help: 'Notifications recorded, by kind (confirmed, cancelled), counted in the table at scrape time.',
      labelNames: ['kind'] as const,
      registers: [context.registry],
      async collect() {
        const counts = await admin.counts().catch(() => undefined);
        this.reset();
        if (!counts) return;
        this.set({ kind: 'confirmed' }, counts.confirmed);
        this.set({ kind: 'cancelled' }, counts.cancelled);
      },
    });
  }

  onApplicationBootstrap(): void {
    const { admin, config } = this.#context;
    registerReadAdminRoute(admin, {
      path: '/admin/notifications',
      token: config.ADMIN_TOKEN,
      query,
      read: async ({ orderId, offset, limit }) => ({
        counts: await this.counts(),
        latest: await this.latest(),
        ...(orderId !== undefined && { order: await this.ofOrder(orderId) }),
        ...(limit !== undefined && { notifications: await this.page(offset, limit) }),
      }),
    });
  }

  async ofOrder(orderId: string): Promise<unknown[]> {
    const { rows } = await this.#db.query(
      `SELECT ${rowColumns} FROM notifications WHERE order_id = $1 ORDER BY created_at`,
      [orderId],
    );
    return rows;
  }

  async page(offset: number, limit: number): Promise<unknown[]> {
    const { rows } = await this.#db.query(
      `SELECT ${rowColumns} FROM notifications ORDER BY created_at, order_id, kind OFFSET $1 LIMIT $2`,
      [offset, limit],
    );
    return rows;
  }

  async counts(): Promise<NotificationCounts> {
    const { rows } = await this.#db.query<{ kind: string; n: number }>(
      'SELECT kind, count(*)::int AS n FROM notifications GROUP BY kind',
    );
    const of = (kind: string) => rows.find((row) => row.kind === kind)?.n ?? 0;
    const confirmed = of('ORDER_CONFIRMED');
    const cancelled = of('ORDER_CANCELLED');
    return { total: confirmed + cancelled, confirmed, cancelled };
  }

  async latest(): Promise<unknown[]> {
    const { rows } = await this.#db.query(
      `SELECT order_id AS "orderId", kind, detail, created_at AS "createdAt"
       FROM notifications ORDER BY created_at DESC LIMIT 20`,
    );
    return rows;
  }
}
