import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGUE } from '../src/catalogue/index.ts';
import { planGameday } from '../src/gameday.runner.ts';
import { MECHANISMS } from '../src/scenario.types.ts';

describe('the catalogue', () => {
  it('has at least 20 scenarios with unique names', () => {
    assert.ok(CATALOGUE.length >= 20, `${CATALOGUE.length} scenarios`);
    assert.equal(new Set(CATALOGUE.map((s) => s.name)).size, CATALOGUE.length);
  });

  it('covers every mechanism', () => {
    const covered = new Set(CATALOGUE.map((s) => s.mechanism));
    assert.deepEqual(
      MECHANISMS.filter((m) => !covered.has(m)),
      [],
    );
  });

  it('declares sane bounds: confirmation, detection and recovery within 5 minutes, ratios in 0..1', () => {
    for (const s of CATALOGUE) {
      for (const bound of [s.fault.confirmWithinMs, s.detection.withinMs, s.recovery.withinMs]) {
        assert.ok(bound > 0 && bound <= 300_000, `${s.name}: bound ${bound}`);
      }
      assert.ok(s.steady.minSuccessRatio > 0 && s.steady.minSuccessRatio <= 1, s.name);
      if (s.detection.alert) assert.ok((s.detection.alertWithinMs ?? 0) > 0, `${s.name}: alert bound`);
    }
  });

  it('keeps the CI subset small and documented in docs/scenarios.md', async () => {
    const ci = CATALOGUE.filter((s) => s.ci);
    assert.ok(ci.length >= 3 && ci.length <= 5, `${ci.length} in CI`);
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/scenarios.md', import.meta.url), 'utf8');
    for (const s of CATALOGUE) assert.ok(doc.includes(`\`${s.name}\``), `docs/scenarios.md lists ${s.name}`);
  });
});

describe('planGameday', () => {
  it('gives the same plan for the same seed and another for another seed', () => {
    const a = planGameday(CATALOGUE, { seed: 42, minutes: 10, windowMs: 10_000 });
    const b = planGameday(CATALOGUE, { seed: 42, minutes: 10, windowMs: 10_000 });
    const c = planGameday(CATALOGUE, { seed: 43, minutes: 10, windowMs: 10_000 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('draws only game-day scenarios, never the same twice in a row, with 5–20 s gaps', () => {
    const plan = planGameday(CATALOGUE, { seed: 7, minutes: 30, windowMs: 10_000 });
    assert.ok(plan.length >= 5, `${plan.length} steps`);
    for (const [i, step] of plan.entries()) {
      assert.ok(CATALOGUE.find((s) => s.name === step.scenario)?.gameday, step.scenario);
      assert.ok(step.gapBeforeMs >= 5_000 && step.gapBeforeMs < 20_000);
      if (i > 0) assert.notEqual(step.scenario, plan[i - 1]?.scenario);
    }
  });

  it('plans more faults for more minutes and at least one for a short day', () => {
    const short = planGameday(CATALOGUE, { seed: 1, minutes: 1, windowMs: 10_000 });
    const long = planGameday(CATALOGUE, { seed: 1, minutes: 60, windowMs: 10_000 });
    assert.equal(short.length, 1);
    assert.ok(long.length > 10);
  });
});
