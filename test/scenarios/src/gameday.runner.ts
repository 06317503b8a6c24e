import { type Clock, keepAliveClock, type Random, seededRandom, sleep } from '@rebound/load';
import { type RunOptions, runScenario, type ScenarioReport } from './scenario.runner.ts';
import type { Scenario } from './scenario.types.ts';
import { type Verdict, worstVerdict } from './scenario.verdict.ts';

/** One planned fault of a game day: which scenario, and the quiet gap before it. */
export interface GamedayStep {
  readonly scenario: string;
  readonly gapBeforeMs: number;
}

export interface GamedayReport {
  readonly seed: number;
  readonly minutes: number;
  readonly verdict: Verdict;
  readonly plan: readonly GamedayStep[];
  readonly runs: readonly ScenarioReport[];
}

/** A rough duration of one scenario (steady windows, its hold, its bounds' typical use), to fill the minutes. */
function estimateMs(scenario: Scenario, windowMs: number): number {
  return 2 * windowMs + Math.max(scenario.fault.holdMs, 10_000) + 15_000;
}

/**
 * The seeded schedule: scenarios drawn at random (with the seed) from those marked `gameday`, each after a
 * random quiet gap of 5–20 s, until the estimated time fills `minutes`. The same seed gives the same plan.
 */
export function planGameday(
  scenarios: readonly Scenario[],
  options: { readonly seed: number; readonly minutes: number; readonly windowMs: number },
): GamedayStep[] {
  const pool = scenarios.filter((s) => s.gameday);
  if (pool.length === 0) throw new Error('no scenario is marked for game days');
  const random: Random = seededRandom(options.seed);
  const budget = options.minutes * 60_000;
  const plan: GamedayStep[] = [];
  let used = 0;
  let last: string | undefined;
  while (plan.length < 100) {
    let scenario = pool[Math.floor(random() * pool.length)] as Scenario;
    // The same fault twice in a row teaches nothing new; draw its neighbour instead.
    if (scenario.name === last && pool.length > 1) {
      scenario = pool[(pool.indexOf(scenario) + 1) % pool.length] as Scenario;
    }
    const gapBeforeMs = 5_000 + Math.floor(random() * 15_000);
    const cost = gapBeforeMs + estimateMs(scenario, options.windowMs);
    if (used + cost > budget && plan.length > 0) break;
    plan.push({ scenario: scenario.name, gapBeforeMs });
    used += cost;
    last = scenario.name;
  }
  return plan;
}

/** Runs a plan under the caller's traffic, one fault after another; the overall verdict is the worst. */
export async function runGameday(
  scenarios: readonly Scenario[],
  options: RunOptions & {
    readonly seed: number;
    readonly minutes: number;
    readonly windowMs: number;
    readonly onStep?: (step: GamedayStep, index: number, of: number) => void;
    readonly onReport?: (report: ScenarioReport) => void;
  },
): Promise<GamedayReport> {
  const clock: Clock = options.clock ?? keepAliveClock;
  const plan = planGameday(scenarios, options);
  const runs: ScenarioReport[] = [];
  for (const [index, step] of plan.entries()) {
    options.onStep?.(step, index, plan.length);
    await sleep(clock, step.gapBeforeMs);
    const scenario = scenarios.find((s) => s.name === step.scenario) as Scenario;
    const report = await runScenario(scenario, { ...options, steadyWindowMs: options.windowMs });
    runs.push(report);
    options.onReport?.(report);
  }
  return {
    seed: options.seed,
    minutes: options.minutes,
    verdict: worstVerdict(runs.map((r) => r.verdict)),
    plan,
    runs,
  };
}
