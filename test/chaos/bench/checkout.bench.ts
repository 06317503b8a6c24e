// End-to-end checkout through the gateway (POST /api/orders → orders saga over inventory and payments → outbox
// → dev broker → notifications), on the whole platform under the local supervisor.
//   pnpm --filter @rebound/chaos-tests run bench        (BENCH_ORDERS, BENCH_CLIENTS, BENCH_SAMPLES to size it)
import { randomUUID } from 'node:crypto';
import { percentile, placeOrder, startPlatform } from '@rebound/e2e';
import { adminRequest, waitFor } from '@rebound/testing';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);
const products = ['p-001', 'p-002', 'p-003', 'p-004', 'p-005', 'p-006', 'p-007', 'p-008'];

const platform = await startPlatform({
  env: { RATE_LIMIT_RPS: '100000', RATE_LIMIT_BURST: '100000' },
  readyTimeoutMs: 240_000,
  optional: [],
});
const round = (ms: number) => Math.round(ms * 10) / 10;

try {
  const gateway = platform.gatewayUrl;
  const place = (i: number) =>
    placeOrder(gateway, [{ productId: products[i % products.length] as string, quantity: 1 }], randomUUID());

  // Warm-up: connections, JIT, first Kafka metadata.
  for (let i = 0; i < 20; i++) await place(i);

  // 1. Throughput and latency: CLIENTS closed-loop clients, ORDERS orders in all.
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < ORDERS) {
        const i = next++;
        const answer = await place(i);
        if (answer.status === 201) latencies.push(answer.ms); // a shed 503 is fast and says nothing of checkout
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`checkout: ${ORDERS} orders, ${CLIENTS} clients, ${round(seconds)} s\n`);

  // 2. Order → notification: from sending POST /api/orders to the notification being listed, 2 clients.
  const notificationsUrl = platform.adminUrl('notifications-0');
  const seen = async (orderId: string) => {
    const { json } = await adminRequest(notificationsUrl, 'GET', '/admin/notifications');
    return (json.latest as { orderId: string }[]).some((entry) => entry.orderId === orderId);
  };
  const endToEnd: number[] = [];
  let sampled = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (sampled < SAMPLES) {
        const i = sampled++;
        const t0 = performance.now();
        const { order } = await place(i);
        if (!order) continue;
        await waitFor(() => seen(order.id), {
          timeoutMs: 30_000,
          intervalMs: 5,
          description: 'notification',
        });
        endToEnd.push(performance.now() - t0);
      }
    }),
  );

  const result = {
    orders: ORDERS,
    clients: CLIENTS,
    statuses: Object.fromEntries(statuses),
    /** Orders placed (201) per second; shed requests (503) are not throughput. */
    throughputPerSecond: round(latencies.length / seconds),
    checkoutP50Ms: round(percentile(latencies, 50)),
    checkoutP99Ms: round(percentile(latencies, 99)),
    notificationSamples: endToEnd.length,
    orderToNotificationP50Ms: round(percentile(endToEnd, 50)),
    orderToNotificationP99Ms: round(percentile(endToEnd, 99)),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await platform.stop();
}
