import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OtlpReceiver, type Platform, startOtlpReceiver, startPlatform } from '../src/index.ts';
import { badInputEverywhere } from './scenarios/bad-input.scenario.ts';
import { catalogHung, sigkillCatalogUnderLoad } from './scenarios/catalog.scenario.ts';
import { overload } from './scenarios/overload.scenario.ts';
import { paymentsFailing } from './scenarios/payments.scenario.ts';
import {
  notificationsPartitionsMove,
  sigkillEachServiceUnderLoad,
  sigstopEachServiceUnderLoad,
} from './scenarios/redundancy.scenario.ts';
import { happyPath, outOfStock } from './scenarios/shop.scenario.ts';
import { oneTracePerCheckout } from './scenarios/tracing.scenario.ts';

/**
 * The whole platform, once for this file, under the local supervisor (`infra/local up`), broken on purpose
 * scenario after scenario. Each scenario restores what it broke; the order puts the gentle ones first.
 */
describe('the shop under the local supervisor', () => {
  let platform: Platform | undefined;
  let receiver: OtlpReceiver | undefined;
  const figures: string[] = [];
  const report = (line: string) => {
    figures.push(line);
    console.log(`# e2e | ${line}`);
  };
  const running = () => {
    assert.ok(platform, 'the platform started');
    return platform;
  };

  before(async () => {
    // Tracing on for the whole run, exported to an in-test OTLP receiver: every scenario runs traced.
    receiver = await startOtlpReceiver();
    platform = await startPlatform({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        // The in-test receiver reads OTLP/JSON (the services export protobuf by default).
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // These suites measure healing, not the per-client throttle (the gateway's own tests prove it): lift it.
        RATE_LIMIT_RPS: '100000',
        RATE_LIMIT_BURST: '100000',
        // A payments outage this suite keeps up for good must cancel each saga well inside the gateway's 8 s
        // PlaceOrder deadline (the default pause bound, 60 s, waits out outages up to a minute).
        SAGA_PAUSE_BOUND_MS: '3000',
      },
    });
  });

  after(async () => {
    await receiver?.close();
    if (platform === undefined) return;
    const last = await platform.status().catch(() => undefined);
    const code = await platform.stop();
    const out = platform.output();
    console.log(`# e2e | figures:\n${figures.map((line) => `#   ${line}`).join('\n')}`);
    assert.equal(code, 0, `the supervisor exits 0 on SIGINT; its output ends:\n${out.slice(-4000)}`);
    assert.match(out, /all processes stopped, no process group left/);
    for (const row of last?.rows ?? []) {
      if (row.pid === undefined) continue;
      assert.throws(
        () => process.kill(row.pid as number, 0),
        { code: 'ESRCH' },
        `${row.name} (pid ${row.pid}) is gone`,
      );
    }
  });

  it('happy path: products, an idempotent checkout CONFIRMED, the order read back', () =>
    happyPath(running(), report));
  it('tracing: one checkout is one connected trace across gateway, orders, inventory, payments and notifications', () => {
    assert.ok(receiver);
    return oneTracePerCheckout(running(), receiver, report);
  });
  it('compensation: out of stock → CANCELLED with the reason, nothing charged, no stock held', () =>
    outOfStock(running(), report));
  it('bad input at every edge: clear 4xx JSON from the gateway, INVALID_ARGUMENT from every gRPC port, no crash', () =>
    badInputEverywhere(running(), report));
  it('SIGKILL of one catalog replica under load: ≥ 99.9% ok, restarted by the supervisor, back in rotation', () =>
    sigkillCatalogUnderLoad(running(), report));
  it('catalog hung: the deadline cuts the calls, the gateway serves the fallback with its header', () =>
    catalogHung(running(), report));
  it('payments failing 100%: sagas compensate, the breaker opens and fails fast, amplification ≤ 1.1, traced, closes after', () =>
    paymentsFailing(running(), report, receiver));
  it('overload: shedding answers 503 + Retry-After, admitted latency bounded, readiness false then back', () =>
    overload(running(), report));
  it("SIGKILL of one replica of inventory, payments, orders and the gateway under a shoppers' mix: ≥ 99.9% ok each", () =>
    sigkillEachServiceUnderLoad(running(), report));
  it("SIGSTOP past the deadlines of one replica of payments, orders and the gateway under a shoppers' mix: ≥ 99.9% ok each", () =>
    sigstopEachServiceUnderLoad(running(), report));
  it('SIGKILL of a notifications replica: its partitions are consumed again within 10 s', () =>
    notificationsPartitionsMove(running(), report));
});
