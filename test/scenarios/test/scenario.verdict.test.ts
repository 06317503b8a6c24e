import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvariantResult } from '../src/invariants.check.ts';
import { decideVerdict, type Observations, type SteadyCheck, worstVerdict } from '../src/scenario.verdict.ts';
import type { WindowStats } from '../src/traffic.generator.ts';

const window = (ok: number, operations: number, p99Ms = 100): WindowStats => ({
  seconds: 10,
  operations,
  ok,
  successRatio: operations === 0 ? 0 : ok / operations,
  p99Ms,
  outcomes: { ok, shed: 0, throttled: 0, blocked: 0, rejected: 0, failed: operations - ok, dropped: 0 },
});
const holds: InvariantResult[] = [{ name: 'money', ok: true, detail: '' }];
const steady = (w: WindowStats, invariants = holds): SteadyCheck => ({
  window: w,
  minSuccessRatio: 0.99,
  maxP99Ms: 1_000,
  invariants,
});
const passing: Observations = {
  before: steady(window(100, 100)),
  confirmedAfterMs: 300,
  detectedAfterMs: 1_200,
  alertAfterMs: 'not expected',
  during: { window: window(98, 100), minSuccessRatio: 0.97 },
  recoveredAfterMs: 2_000,
  after: steady(window(100, 100)),
};

describe('decideVerdict', () => {
  it('passes when every expectation is met in its bound', () => {
    assert.deepEqual(decideVerdict(passing), { verdict: 'PASS', reasons: [] });
  });

  it('is inconclusive when the fault never took effect, whatever else happened', () => {
    const result = decideVerdict({ ...passing, confirmedAfterMs: undefined });
    assert.equal(result.verdict, 'INCONCLUSIVE');
    assert.match(result.reasons[0] ?? '', /never confirmed/);
  });

  it('is inconclusive when the system was not steady before the fault', () => {
    const result = decideVerdict({ ...passing, before: steady(window(90, 100)) });
    assert.equal(result.verdict, 'INCONCLUSIVE');
    assert.match(result.reasons[0] ?? '', /not steady before the fault: success ratio 90.00 % < 99.00 %/);
  });

  it('fails on a missed detection, a missed alert, a broken floor, no recovery or a broken invariant after', () => {
    const cases: [Partial<Observations>, RegExp][] = [
      [{ detectedAfterMs: undefined }, /not detected/],
      [{ alertAfterMs: undefined }, /alert did not fire/],
      [
        { during: { window: window(90, 100), minSuccessRatio: 0.97 } },
        /during the fault 90.00 % < 97.00 % \(90\/100 ok; 10 failed\)/,
      ],
      [{ recoveredAfterMs: undefined }, /not recovered/],
      [{ after: steady(window(100, 100, 5_000)) }, /not steady after: p99 5000 ms > 1000 ms/],
      [
        { after: steady(window(100, 100), [{ name: 'money', ok: false, detail: 'charged twice: o-1' }]) },
        /invariant 'money' broken: charged twice: o-1/,
      ],
    ];
    for (const [change, reason] of cases) {
      const result = decideVerdict({ ...passing, ...change });
      assert.equal(result.verdict, 'FAIL', JSON.stringify(change));
      assert.ok(
        result.reasons.some((r) => reason.test(r)),
        `${reason} in ${result.reasons.join(' | ')}`,
      );
    }
  });

  it('does not fail on an alert that could not be checked (no Prometheus)', () => {
    assert.equal(decideVerdict({ ...passing, alertAfterMs: 'not checked' }).verdict, 'PASS');
  });

  it('counts a window where no operation ended as not steady', () => {
    assert.equal(decideVerdict({ ...passing, before: steady(window(0, 0)) }).verdict, 'INCONCLUSIVE');
  });
});

describe('worstVerdict', () => {
  it('is FAIL over INCONCLUSIVE over PASS, and INCONCLUSIVE for nothing run', () => {
    assert.equal(worstVerdict(['PASS', 'INCONCLUSIVE', 'FAIL']), 'FAIL');
    assert.equal(worstVerdict(['PASS', 'INCONCLUSIVE']), 'INCONCLUSIVE');
    assert.equal(worstVerdict(['PASS', 'PASS']), 'PASS');
    assert.equal(worstVerdict([]), 'INCONCLUSIVE');
  });
});
