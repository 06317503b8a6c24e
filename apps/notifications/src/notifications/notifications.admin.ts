import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DATABASE, isAuthorized, SERVICE_CONTEXT, type ServiceContext } from '@rebound/service-defaults';
import type { Database } from '@rebound/storage';

interface NotificationCounts {
  readonly total: number;
  readonly confirmed: number;
  readonly cancelled: number;
}

/**
 * `GET /admin/notifications` (bearer ADMIN_TOKEN): how many notifications were recorded, by kind, and the
 * latest few. Chaos tests use it to account for every order; operators use it to see the service working.
 */
@Injectable()
export class NotificationsAdmin implements OnApplicationBootstrap {
  readonly #context: ServiceContext;
  readonly #db: Database;

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext, @Inject(DATABASE) db: Database) {
    this.#context = context;
    this.#db = db;
  }

  onApplicationBootstrap(): void {
    const { admin, config } = this.#context;
    admin.route('GET', '/admin/notifications', async (request, response) => {
      if (!isAuthorized(request, config.ADMIN_TOKEN)) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end('{"error":"GET /admin/notifications needs Authorization: Bearer <ADMIN_TOKEN>"}\n');
        return;
      }
      const body = { counts: await this.counts(), latest: await this.latest() };
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`${JSON.stringify(body)}\n`);
    });
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
