import assert from 'node:assert/strict';
import { waitFor } from '@rebound/testing';
import { type OtlpReceiver, type Platform, placeOrder, type ReceivedSpan } from '../../src/index.ts';
import type { Report } from './shop.scenario.ts';

const SERVICES = ['gateway', 'orders', 'inventory', 'payments', 'notifications'] as const;

/** One root, and every other span's parent present: the trace is one tree, not pieces. */
function isConnected(spans: readonly ReceivedSpan[]): boolean {
  const ids = new Set(spans.map((span) => span.spanId));
  const roots = spans.filter((span) => span.parentSpanId === '');
  return roots.length === 1 && spans.every((span) => span.parentSpanId === '' || ids.has(span.parentSpanId));
}

function depthOf(spans: readonly ReceivedSpan[]): number {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  let deepest = 0;
  for (const span of spans) {
    let depth = 1;
    for (let at = span; at.parentSpanId !== ''; depth++) at = byId.get(at.parentSpanId) as ReceivedSpan;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/** The trace as an indented tree, one `service kind name` line per span. */
function renderTree(spans: readonly ReceivedSpan[]): string[] {
  const children = new Map<string, ReceivedSpan[]>();
  for (const span of spans)
    children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  const lines: string[] = [];
  const walk = (parent: string, indent: string) => {
    for (const span of children.get(parent) ?? []) {
      lines.push(`${indent}${span.service} ${span.kind} ${span.name}`);
      walk(span.spanId, `${indent}  `);
    }
  };
  walk('', '  ');
  return lines;
}

/**
 * One checkout through the gateway → one trace: HTTP at the gateway, gRPC to orders, the saga's gRPC calls to
 * inventory and payments, the order events through the outbox and Kafka, and their handling in notifications.
 */
export async function oneTracePerCheckout(
  platform: Platform,
  receiver: OtlpReceiver,
  report: Report,
): Promise<void> {
  const placed = await placeOrder(platform.gatewayUrl, [{ productId: 'p-003', quantity: 1 }], 'e2e-trace-1');
  assert.equal(placed.status, 201, JSON.stringify(placed.json));
  assert.equal(placed.order?.status, 'CONFIRMED');
  const traceId = placed.headers.get('x-trace-id') ?? '';
  assert.match(traceId, /^[\da-f]{32}$/, 'the gateway names the trace in X-Trace-Id');

  const complete = () => {
    const trace = receiver.trace(traceId);
    const services = new Set(trace.map((span) => span.service));
    const consumed = trace.some((span) => span.service === 'notifications' && span.kind === 'consumer');
    return SERVICES.every((service) => services.has(service)) && consumed && isConnected(trace)
      ? trace
      : undefined;
  };
  const spans = await waitFor(complete, { timeoutMs: 60_000, intervalMs: 100 }).catch((error: Error) => {
    const seen = receiver.trace(traceId).map((span) => `${span.service} ${span.kind} ${span.name}`);
    throw new Error(
      `${error.message}: trace ${traceId} is not one connected tree spanning ${SERVICES.join(', ')}; ` +
        `received ${receiver.spans().length} spans in all, these ${seen.length} in this trace: ${seen.join('; ')}`,
    );
  });

  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
  const root = spans.find((span) => span.parentSpanId === '');
  assert.equal(root?.service, 'gateway');
  assert.equal(root?.name, 'POST /api/orders');
  assert.equal(root?.kind, 'server');
  // Each hop is a server span whose parent is the caller's client span, in the calling service.
  for (const [callee, caller] of [
    ['orders', 'gateway'],
    ['inventory', 'orders'],
    ['payments', 'orders'],
  ] as const) {
    const served = spans.filter((span) => span.service === callee && span.kind === 'server');
    assert.ok(served.length > 0, `${callee} served a call in this trace`);
    for (const span of served) {
      assert.equal(parentOf(span)?.service, caller, `${callee}'s ${span.name} is called by ${caller}`);
      assert.equal(parentOf(span)?.kind, 'client');
    }
  }
  const processed = spans.filter((span) => span.service === 'notifications' && span.kind === 'consumer');
  for (const span of processed) {
    assert.equal(parentOf(span)?.service, 'orders', 'notifications handles what orders sent');
    assert.equal(parentOf(span)?.kind, 'producer');
  }
  const failed = spans
    .filter((span) => span.failed)
    .map((span) => `${span.service} ${span.kind} ${span.name}: ${span.statusMessage}`);
  assert.deepEqual(failed, [], 'a confirmed checkout has no failed span');
  const services = SERVICES.map(
    (service) => `${service} ${spans.filter((span) => span.service === service).length}`,
  );
  report(
    `one trace per checkout: ${traceId}, ${spans.length} spans, depth ${depthOf(spans)} (${services.join(', ')})`,
  );
  for (const line of renderTree(spans)) report(line);
}

/**
 * Checkouts that failed on payments and were compensated: each one's trace shows the failure (a failed Charge
 * or a resilience decision taken for it) and the compensation (inventory Release), and the breaker opening is an
 * event in one of them.
 */
export async function failedCheckoutsTraced(
  receiver: OtlpReceiver,
  traceIds: readonly string[],
  report: Report,
): Promise<void> {
  assert.ok(
    traceIds.every((id) => /^[\da-f]{32}$/.test(id)),
    'every checkout names its trace',
  );
  const released = (trace: readonly ReceivedSpan[]) =>
    trace.some(
      (span) => span.service === 'inventory' && span.kind === 'server' && span.name.endsWith('/Release'),
    );
  const traces = await waitFor(
    () => {
      const all = traceIds.map((id) => receiver.trace(id));
      return all.every((trace) => isConnected(trace) && released(trace)) ? all : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, description: 'every failed checkout traced with its compensation' },
  );
  const resilienceEvents = (trace: readonly ReceivedSpan[]) =>
    trace.flatMap((span) => span.events.filter((event) => event.startsWith('rebound.resilience.')));
  for (const trace of traces) {
    const failedCharge = trace.some(
      (span) =>
        span.service === 'orders' && span.kind === 'client' && span.name.endsWith('/Charge') && span.failed,
    );
    assert.ok(
      failedCharge || resilienceEvents(trace).length > 0,
      `trace ${trace[0]?.traceId} shows why the charge failed`,
    );
  }
  const events = traces.flatMap(resilienceEvents);
  assert.ok(events.includes('rebound.resilience.breaker_transition'), 'the breaker opening is in a trace');
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event, (counts.get(event) ?? 0) + 1);
  report(
    `payments failing, traced: ${traces.length} traces with their compensation (inventory Release); events ${[
      ...counts,
    ]
      .map(([name, count]) => `${name.replace('rebound.resilience.', '')} ${count}`)
      .join(', ')}`,
  );
}
