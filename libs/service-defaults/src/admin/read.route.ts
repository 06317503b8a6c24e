import type { AdminServer } from '@rebound/health';
import type { z } from 'zod';
import { describeIssues, refusedUnauthorized, sendJson } from './admin-route.util.ts';

export interface ReadAdminRoute<S extends z.ZodType> {
  readonly path: string;
  readonly token: string;
  /** The query string as an object (`?orderId=o-1` → `{ orderId: 'o-1' }`), validated: 400 naming the field. */
  readonly query: S;
  readonly read: (query: z.infer<S>) => Promise<unknown> | unknown;
}

/**
 * An authenticated, read-only JSON admin route (`GET` with query parameters; 401 without the bearer token):
 * how operators, learners and outside auditors read a service's durable records (stock, ledger, notifications).
 */
export function registerReadAdminRoute<S extends z.ZodType>(
  admin: AdminServer,
  route: ReadAdminRoute<S>,
): void {
  admin.route('GET', route.path, async (request, response, url) => {
    if (refusedUnauthorized(request, response, route.token, `GET ${route.path}`)) return;
    const parsed = route.query.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) {
      sendJson(response, 400, { error: describeIssues(parsed.error, 'query') });
      return;
    }
    sendJson(response, 200, await route.read(parsed.data));
  });
}
