import type { AdminServer } from '@rebound/health';
import type { Registry } from 'prom-client';

/**
 * `GET /metrics` on the admin server. The text is built before the status line is written, so a collector that
 * throws gives a 500 Prometheus counts as a failed scrape, never a 200 with an error message for a body.
 */
export function registerMetricsRoute(admin: AdminServer, registry: Registry): void {
  admin.route('GET', '/metrics', async (_request, response) => {
    const text = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(text);
  });
}
