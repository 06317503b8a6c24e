import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Platform, startPlatform } from '@rebound/e2e';
import { sleep, systemClock } from '@rebound/load';
import { CATALOGUE } from '../src/catalogue/index.ts';
import { counterRises, ready } from '../src/conditions.ts';
import { connectTarget, type Target } from '../src/platform.target.ts';
import { runScenario, type ScenarioReport } from '../src/scenario.runner.ts';
import type { Scenario } from '../src/scenario.types.ts';
import { Traffic } from '../src/traffic.ts';

// The CI subset against a real platform (every process under the local supervisor, real sockets, broker and
// PostgreSQL): each scenario must PASS, and a fault that never takes effect must come out INCONCLUSIVE.
describe('the CI subset of the scenario catalogue', () => {
  let platform: Platform;
  let target: Target;
  let traffic: Traffic;
  const reports: ScenarioReport[] = [];

  before(async () => {
    platform = await startPlatform({ optional: [] });
    target = await connectTarget({ dataDir: platform.dataDir });
    traffic = new Traffic({ gatewayUrl: target.gatewayUrl, seed: 16, load: { rate: 8 } });
    traffic.start();
    await sleep(systemClock, 5_000);
  });

  after(async () => {
    await traffic?.stop();
    for (const report of reports) {
      const o = report.observed;
      process.stdout.write(
        `# scenarios | ${report.scenario} ${report.verdict} confirmed ${o.confirmedAfterMs} ms detected ${o.detectedAfterMs} ms recovered ${o.recoveredAfterMs} ms, during ${o.during?.window.ok}/${o.during?.window.operations}\n`,
      );
    }
    await platform?.stop();
  });

  for (const scenario of CATALOGUE.filter((s) => s.ci)) {
    it(`${scenario.name} passes`, async () => {
      const report = await runScenario(scenario, {
        target,
        traffic,
        steadyWindowMs: 5_000,
        settleMs: 20_000,
      });
      reports.push(report);
      assert.equal(
        report.verdict,
        'PASS',
        `${report.reasons.join('; ')}\n${JSON.stringify(report.timeline, null, 1)}`,
      );
      const phases = report.timeline.map((entry) => entry.phase);
      for (const phase of [
        'steady-before',
        'injected',
        'confirmed',
        'detected',
        'recovered',
        'steady-after',
      ] as const) {
        assert.ok(phases.includes(phase), `${phase} in the timeline`);
      }
      assert.ok(report.observed.after?.invariants.every((i) => i.ok));
    });
  }

  it('calls a fault that never takes effect INCONCLUSIVE, not PASS', async () => {
    const noEffect: Scenario = {
      name: 'no-effect',
      mechanism: 'failing-dependency',
      proves: 'nothing: the fault switches nothing on',
      load: { rate: 8 },
      steady: { minSuccessRatio: 0.99, maxP99Ms: 2_000 },
      fault: {
        describe: 'catalog-0: POST /admin/faults {"errorRate":0}',
        inject: async ({ target: t }) => {
          await t.admin('catalog-0', 'POST', '/admin/faults', { errorRate: 0 });
        },
        clear: async () => {},
        confirm: counterRises('gateway', 'rebound_rpc_client_requests_total', { outcome: 'UNAVAILABLE' }),
        confirmWithinMs: 3_000,
        holdMs: 0,
      },
      detection: { signal: ready('catalog-0'), withinMs: 3_000 },
      recovery: { condition: ready('catalog-0'), withinMs: 3_000 },
    };
    const report = await runScenario(noEffect, { target, traffic, steadyWindowMs: 5_000, settleMs: 20_000 });
    assert.equal(report.verdict, 'INCONCLUSIVE');
    assert.deepEqual(report.reasons, ['the fault was never confirmed to take effect']);
  });
});
