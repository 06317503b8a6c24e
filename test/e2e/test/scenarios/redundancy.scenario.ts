import assert from 'node:assert/strict';
import { readNotifications, waitFor } from '@rebound/testing';
import {
  type ApiResponse,
  api,
  type Platform,
  percentile,
  placeOrder,
  runLoad,
  type Sample,
  sumMetricAcross,
} from '../../src/index.ts';
import type { Report } from './shop.scenario.ts';

/** Requests per second of the shoppers' mix, and at least this many per kill, so that 99.9 % tolerates one failure. */
const RATE = 60;
const MIN_REQUESTS_PER_KILL = 1000;
/** Products the shoppers buy (p-005 is left to the payments scenario's stock checks). */
const PRODUCTS = ['p-001', 'p-002', 'p-003', 'p-004', 'p-006', 'p-007', 'p-008', 'p-009', 'p-010'];

/** The request's kind, and for a failure the error the gateway named (e.g. `browse:overloaded`). */
function tagOf(kind: string, response: ApiResponse): string {
  if (response.status < 400) return kind;
  return `${kind}:${String(response.json.error ?? response.json.code ?? response.json.text ?? '')}`;
}

/**
 * One shopper request of a steady mix: mostly browsing, one checkout in ten, an order look-up now and then.
 * A checkout succeeds when the gateway answers it 201 (final) or 202 (accepted, the saga goes on) with an
 * order that was not cancelled for an unavailable dependency: a stock-out is a right answer, an outage is not.
 */
function shopper(platform: Platform, run: string) {
  let n = 0;
  const placed: string[] = [];
  const request = async (): Promise<Sample> => {
    const i = n++;
    if (i % 10 === 3) {
      const productId = PRODUCTS[i % PRODUCTS.length] as string;
      const response = await placeOrder(platform.gatewayUrl, [{ productId, quantity: 1 }], `${run}-${i}`);
      const order = response.order;
      if (order !== undefined) placed.push(order.id);
      const outage = order?.cancellation?.reason === 'DEPENDENCY_UNAVAILABLE';
      const ok = (response.status === 201 || response.status === 202) && !outage;
      return { status: ok ? 200 : response.status || 599, ms: response.ms, tag: tagOf('checkout', response) };
    }
    if (i % 10 === 7 && placed.length > 0) {
      const id = placed[i % placed.length] as string;
      const response = await api(platform.gatewayUrl, `/api/orders/${id}`);
      return { status: response.status, ms: response.ms, tag: tagOf('lookup', response) };
    }
    const path = i % 2 === 0 ? '/api/products?pageSize=5' : `/api/products/${PRODUCTS[i % PRODUCTS.length]}`;
    const response = await api(platform.gatewayUrl, path);
    return { status: response.status, ms: response.ms, tag: tagOf('browse', response) };
  };
  return { request, placed };
}

interface KillResult {
  readonly samples: Sample[];
  readonly restartedInMs: number;
  /** Requests the gateways shed meanwhile, by reason (a killed gateway's own count is lost with it). */
  readonly shed: Readonly<Record<ShedReason, number>>;
}

const SHED_REASONS = ['concurrency', 'event-loop'] as const;
type ShedReason = (typeof SHED_REASONS)[number];

/** Each gateway replica's shed counters by reason, keyed by admin URL. */
async function gatewaySheds(platform: Platform): Promise<Map<string, Record<ShedReason, number>>> {
  const urls = await platform.adminUrls('gateway');
  const sheds = new Map<string, Record<ShedReason, number>>();
  for (const url of urls) {
    const [concurrency = 0, eventLoop = 0] = await Promise.all(
      SHED_REASONS.map((reason) => sumMetricAcross([url], 'rebound_gateway_shed_total', { reason })),
    );
    sheds.set(url, { concurrency, 'event-loop': eventLoop });
  }
  return sheds;
}

/** Sheds between two reads; a replica whose counter went down restarted, and all of its count is new. */
function shedSince(
  before: Map<string, Record<ShedReason, number>>,
  after: Map<string, Record<ShedReason, number>>,
): Record<ShedReason, number> {
  const total = { concurrency: 0, 'event-loop': 0 };
  for (const [url, now] of after) {
    for (const reason of SHED_REASONS) {
      const then = before.get(url)?.[reason] ?? 0;
      total[reason] += now[reason] >= then ? now[reason] - then : now[reason];
    }
  }
  return total;
}

/**
 * How long a frozen process stays stopped: past every deadline a call to it can have on the checkout path (the
 * saga's 2 s per call, the gateway's 1 s PlaceOrder hedge) yet short of the liveness probe's kill (3 × 2 s).
 */
const FREEZE_MS = 4_000;

type Fault = 'SIGKILL' | 'SIGSTOP';

/**
 * Steady load; once it runs, SIGKILL `victim` (until the supervisor has restarted it) or SIGSTOP it for
 * {@link FREEZE_MS} (then SIGCONT); go on until it is back and ready and enough requests were made.
 */
async function faultUnderLoad(
  platform: Platform,
  victim: string,
  run: string,
  fault: Fault,
): Promise<KillResult> {
  const before = await waitFor(
    async () => {
      const report = await platform.status();
      const row = report.rows.find((entry) => entry.name === victim);
      return report.allReady && row?.pid !== undefined ? row : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, description: `every process ready before ${victim} is killed` },
  );
  const shedBefore = await gatewaySheds(platform);
  const { request } = shopper(platform, run);
  let issued = 0;
  let back = false;
  const load = runLoad({
    rps: RATE,
    concurrency: 64,
    maxMs: 120_000,
    maxRequests: 6000,
    done: (_elapsed, started) => back && started >= MIN_REQUESTS_PER_KILL,
    request: () => {
      issued++;
      return request();
    },
  });
  const monitor = (async () => {
    try {
      await waitFor(() => issued >= 100, { timeoutMs: 20_000, description: 'steady load before the kill' });
      const killedAt = performance.now();
      const pid = before.pid as number;
      process.kill(pid, fault);
      if (fault === 'SIGSTOP') {
        // The freeze itself lasts this long: it is the fault, not a wait for something to happen.
        await new Promise((resolve) => setTimeout(resolve, FREEZE_MS));
        process.kill(pid, 'SIGCONT');
      }
      await waitFor(
        async () => {
          const row = await platform.row(victim);
          return fault === 'SIGKILL'
            ? row.restarts === before.restarts + 1 && row.ready && row.pid !== before.pid
            : row.ready && row.pid === pid;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 100,
          description:
            fault === 'SIGKILL'
              ? `the supervisor to restart ${victim} and see it ready`
              : `${victim} thawed and ready again, not restarted`,
        },
      );
      return performance.now() - killedAt;
    } finally {
      back = true;
    }
  })();
  const [samples, restartedInMs] = await Promise.all([load, monitor]);
  const shed = shedSince(shedBefore, await gatewaySheds(platform));
  return { samples, restartedInMs, shed };
}

function summary(
  victim: string,
  fault: Fault,
  { samples, restartedInMs, shed }: KillResult,
): { line: string; ratio: number } {
  const ok = samples.filter((sample) => sample.status === 200);
  const ratio = ok.length / samples.length;
  const checkouts = samples.filter((sample) => sample.tag?.startsWith('checkout'));
  const failed = samples.filter((sample) => sample.status !== 200);
  const line =
    `${fault === 'SIGKILL' ? 'SIGKILL' : `SIGSTOP ${FREEZE_MS / 1000} s`} ${victim} under ${RATE} req/s: ${ok.length}/${samples.length} ok = ${(ratio * 100).toFixed(2)}% ` +
    `(${checkouts.filter((s) => s.status === 200).length}/${checkouts.length} checkouts; p50 ` +
    `${percentile(
      samples.map((s) => s.ms),
      50,
    ).toFixed(0)} ms, p99 ${percentile(
      samples.map((s) => s.ms),
      99,
    ).toFixed(
      0,
    )} ms); ${fault === 'SIGKILL' ? 'back' : 'thawed'} and ready in ${(restartedInMs / 1000).toFixed(1)} s` +
    (failed.length > 0
      ? `; failed: ${JSON.stringify(failed.slice(0, 3))}; gateways shed ${shed.concurrency} at the ` +
        `concurrency limit, ${shed['event-loop']} for event loop delay`
      : '');
  return { line, ratio };
}

/**
 * Every service runs two replicas: SIGKILL one process of each (the gateway's through its front, orders' while
 * sagas run) under a steady shoppers' mix, and ≥ 99.9 % of the user requests succeed with no client retry.
 */
export function sigkillEachServiceUnderLoad(platform: Platform, report: Report): Promise<void> {
  return eachUnderLoad(platform, report, 'SIGKILL', ['inventory-0', 'payments-1', 'orders-0', 'gateway-1']);
}

/**
 * A frozen process keeps its sockets open and answers nothing: no refused connection, no failure, until some
 * deadline. SIGSTOP one process of payments, orders and the gateway in turn, past the deadlines of the calls to
 * it, under the same mix: ≥ 99.9 % of the user requests succeed with no client retry (hedges and the front's
 * readiness take the frozen one out of the way), and it serves again after SIGCONT without a restart.
 */
export function sigstopEachServiceUnderLoad(platform: Platform, report: Report): Promise<void> {
  return eachUnderLoad(platform, report, 'SIGSTOP', ['payments-0', 'orders-1', 'gateway-0']);
}

async function eachUnderLoad(
  platform: Platform,
  report: Report,
  fault: Fault,
  victims: readonly string[],
): Promise<void> {
  const results: Array<{ victim: string; ratio: number; line: string }> = [];
  for (const victim of victims) {
    const run = `e2e-${fault === 'SIGKILL' ? 'kill' : 'freeze'}-${victim}`;
    const result = summary(victim, fault, await faultUnderLoad(platform, victim, run, fault));
    report(result.line);
    results.push({ victim, ...result });
  }
  for (const { victim, ratio, line } of results) {
    assert.ok(ratio >= 0.999, `${victim}: success ratio below 99.9%: ${line}`);
  }
}

/**
 * SIGKILL the notifications replica that holds part of `orders.events` while checkouts go on: the events of
 * its partitions are consumed again by the group (the survivor, then the restarted replica) within 10 s.
 * Measured per order from the kill to its notification row in notifications' own table.
 */
export async function notificationsPartitionsMove(platform: Platform, report: Report): Promise<void> {
  const victim = await waitFor(
    async () => {
      const rows = (await platform.status()).rows.filter((row) => row.process === 'notifications');
      return rows.every((row) => row.ready) ? rows.find((row) => row.name === 'notifications-0') : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, description: 'both notifications replicas ready' },
  );
  assert.ok(victim?.pid !== undefined, 'notifications-0 runs');
  const reader = platform.adminUrl('notifications-1');
  const placedAfterKill: Array<{ id: string; at: number }> = [];
  process.kill(victim.pid as number, 'SIGKILL');
  const killedAt = performance.now();
  // A checkout every 100 ms for 2 s after the kill: keyed by order id, they land on every partition.
  for (let i = 0; i < 20; i++) {
    const response = await placeOrder(
      platform.gatewayUrl,
      [{ productId: PRODUCTS[i % PRODUCTS.length] as string, quantity: 1 }],
      `e2e-notify-${i}`,
    );
    assert.ok(response.status === 201 || response.status === 202, JSON.stringify(response.json));
    const id = response.order?.id;
    assert.ok(id !== undefined);
    placedAfterKill.push({ id, at: performance.now() });
  }
  const seen = new Map<string, number>();
  await waitFor(
    async () => {
      const notified = new Set((await readNotifications(reader)).map((row) => row.orderId));
      const now = performance.now();
      for (const { id } of placedAfterKill) if (!seen.has(id) && notified.has(id)) seen.set(id, now);
      return seen.size === placedAfterKill.length;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: 'a notification for every order placed after the kill',
    },
  );
  const sinceKill = placedAfterKill.map(({ id }) => ((seen.get(id) as number) - killedAt) / 1000);
  const worst = Math.max(...sinceKill);
  report(
    `notifications-0 SIGKILLed: all ${placedAfterKill.length} orders placed in the 2 s after notified, the last ` +
      `${worst.toFixed(1)} s after the kill (median ${percentile(sinceKill, 50).toFixed(1)} s)`,
  );
  assert.ok(
    worst <= 10,
    `the killed replica's partitions were consumed again after ${worst.toFixed(1)} s (bar 10 s)`,
  );
}
