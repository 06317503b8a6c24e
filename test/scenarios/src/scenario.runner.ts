import { type Clock, keepAliveClock, sleep } from '@rebound/load';
import { alertFiring } from './alerts.client.ts';
import { checkInvariants, type InvariantBaseline, invariantBaseline } from './invariants.check.ts';
import type { Target } from './platform.target.ts';
import type { Scenario } from './scenario.types.ts';
import {
  decideVerdict,
  type Observations,
  type SteadyCheck,
  steadyViolations,
  type Verdict,
} from './scenario.verdict.ts';
import type { Traffic } from './traffic.generator.ts';

/** How long the window after waits for the operations started during the fault to end. */
const DRAIN_MS = 30_000;

export const TIMELINE_PHASES = [
  'steady-before',
  'injected',
  'confirmed',
  'detected',
  'alert',
  'cleared',
  'recovered',
  'steady-after',
  'verdict',
] as const;
export type TimelinePhase = (typeof TIMELINE_PHASES)[number];

export interface TimelineEntry {
  /** Milliseconds since the scenario started. */
  readonly atMs: number;
  readonly phase: TimelinePhase;
  readonly detail: string;
}

/** The JSON report of one scenario run. */
export interface ScenarioReport {
  readonly scenario: string;
  readonly mechanism: string;
  readonly proves: string;
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
  readonly durationMs: number;
  readonly fault: string;
  readonly expected: {
    readonly confirm: string;
    readonly confirmWithinMs: number;
    readonly detection: string;
    readonly detectionWithinMs: number;
    readonly alert: string | undefined;
    readonly alertWithinMs: number | undefined;
    readonly recovery: string;
    readonly recoveryWithinMs: number;
  };
  readonly observed: Observations;
  readonly timeline: readonly TimelineEntry[];
}

export interface RunOptions {
  readonly target: Target;
  /** Already started by the caller (a game day keeps one running across faults); set to the scenario's load. */
  readonly traffic: Traffic;
  readonly clock?: Clock;
  /** Length of each steady-state window (ms). */
  readonly steadyWindowMs?: number;
  /** How long the invariants may take to settle (sagas finishing, events consumed). */
  readonly settleMs?: number;
  readonly pollMs?: number;
  /** Each timeline entry as it happens (the CLI prints them, the console streams them). */
  readonly onTimeline?: (entry: TimelineEntry) => void;
}

/**
 * Runs one scenario against a running platform: steady state before (traffic window + invariants), fault on,
 * its effect confirmed, detection (the mechanism's signal, and the alert when Prometheus runs), the fault
 * cleared after its hold, recovery within its bound, steady state after; then the verdict (`scenario.verdict.ts`).
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioReport> {
  const clock = options.clock ?? keepAliveClock;
  const { target, traffic } = options;
  const windowMs = options.steadyWindowMs ?? 10_000;
  const pollMs = options.pollMs ?? 250;
  const startedAt = clock.now();
  const timeline: TimelineEntry[] = [];
  const elapsed = () => Math.round(clock.now() - startedAt);
  const note = (phase: TimelinePhase, detail: string) => {
    const entry = { atMs: elapsed(), phase, detail };
    timeline.push(entry);
    options.onTimeline?.(entry);
  };
  const { detection, fault, recovery } = scenario;
  const expected: ScenarioReport['expected'] = {
    confirm: fault.confirm.describe,
    confirmWithinMs: fault.confirmWithinMs,
    detection: detection.signal.describe,
    detectionWithinMs: detection.withinMs,
    alert: detection.alert?.name,
    alertWithinMs: detection.alertWithinMs,
    recovery: recovery.condition.describe,
    recoveryWithinMs: recovery.withinMs,
  };
  const finish = (observed: Observations): ScenarioReport => {
    const { verdict, reasons } = decideVerdict(observed);
    note('verdict', reasons.length > 0 ? `${verdict}: ${reasons.join('; ')}` : verdict);
    return {
      scenario: scenario.name,
      mechanism: scenario.mechanism,
      proves: scenario.proves,
      verdict,
      reasons,
      durationMs: elapsed(),
      fault: fault.describe,
      expected,
      observed,
      timeline,
    };
  };

  traffic.set(scenario.load);
  const baseline = await invariantBaseline(target);
  // Operations begun before the run (during an earlier fault the console just cleared) end with that fault in
  // their latency: the window before holds only operations begun in it.
  await drainInFlight(traffic, clock, pollMs);
  const before = await steadyWindow(scenario, options, baseline, windowMs, clock);
  note('steady-before', describeSteady(before));
  const observed: {
    -readonly [K in keyof Observations]: Observations[K];
  } = {
    before,
    confirmedAfterMs: undefined,
    detectedAfterMs: undefined,
    alertAfterMs: detection.alert ? (target.prometheusUrl ? undefined : 'not checked') : 'not expected',
    during: undefined,
    recoveredAfterMs: undefined,
    after: undefined,
  };
  if (steadyViolations(before).length > 0) return finish(observed);

  const confirm = await fault.confirm.arm(target);
  const signal = await detection.signal.arm(target);
  const duringMark = traffic.mark();
  let cleared = false;
  const clear = async () => {
    if (cleared) return;
    cleared = true;
    await fault.clear({ target, traffic });
    note('cleared', fault.describe);
  };
  try {
    // Bounds run from the start of the injection: a fault that takes a while to inject (three crashes in a
    // row) is detected while it is being injected.
    const injectedAt = clock.now();
    await fault.inject({ target, traffic });
    note('injected', fault.describe);
    const sinceInjection = () => Math.round(clock.now() - injectedAt);

    const alertBound = detection.alertWithinMs ?? detection.withinMs;
    const watchUntil = Math.max(fault.confirmWithinMs, detection.withinMs, alertBound, fault.holdMs);
    while (sinceInjection() <= watchUntil) {
      if (observed.confirmedAfterMs === undefined && (await safely(() => confirm(target)))) {
        observed.confirmedAfterMs = sinceInjection();
        note('confirmed', fault.confirm.describe);
      }
      if (observed.detectedAfterMs === undefined && (await safely(() => signal(target)))) {
        observed.detectedAfterMs = sinceInjection();
        note('detected', detection.signal.describe);
      }
      if (
        observed.alertAfterMs === undefined &&
        detection.alert &&
        target.prometheusUrl &&
        (await safely(() =>
          alertFiring(target.prometheusUrl as string, detection.alert?.name ?? '', detection.alert?.labels),
        ))
      ) {
        observed.alertAfterMs = sinceInjection();
        note('alert', `${detection.alert.name} firing`);
      }
      const confirmMissed =
        observed.confirmedAfterMs === undefined && sinceInjection() > fault.confirmWithinMs;
      if (confirmMissed) break;
      const seenAll =
        observed.confirmedAfterMs !== undefined &&
        (observed.detectedAfterMs !== undefined || sinceInjection() > detection.withinMs) &&
        (observed.alertAfterMs !== undefined || sinceInjection() > alertBound);
      if (seenAll && sinceInjection() >= fault.holdMs) break;
      await sleep(clock, pollMs);
    }
    if (observed.detectedAfterMs !== undefined && observed.detectedAfterMs > detection.withinMs) {
      observed.detectedAfterMs = undefined;
    }
    observed.during = {
      window: traffic.since(duringMark),
      minSuccessRatio: scenario.during?.minSuccessRatio ?? 0,
    };
    await clear();
    if (observed.confirmedAfterMs === undefined) return finish(observed);

    const recoveredCheck = await recovery.condition.arm(target);
    const clearedAt = clock.now();
    while (clock.now() - clearedAt <= recovery.withinMs) {
      if (await safely(() => recoveredCheck(target))) {
        observed.recoveredAfterMs = Math.round(clock.now() - clearedAt);
        note('recovered', recovery.condition.describe);
        break;
      }
      await sleep(clock, pollMs);
    }
    // Operations started during the fault (a checkout paused by an outage, polling its order for up to 30 s) end
    // after it, with the outage in their latency: the arrivals pause until every one of them has ended (bounded),
    // so the window after holds only operations started once the system healed, and judges that.
    await drainInFlight(traffic, clock, pollMs);
    observed.after = await steadyWindow(scenario, options, baseline, windowMs, clock);
    note('steady-after', describeSteady(observed.after));
    return finish(observed);
  } catch (error) {
    observed.error = `run stopped: ${(error as Error).message}`;
    return finish(observed);
  } finally {
    await clear().catch(() => undefined);
  }
}

/**
 * Pauses the arrivals until every operation in flight has ended (bounded by DRAIN_MS), then lets the second they
 * ended in close, so a window marked after this holds none of them, nor their latency.
 */
async function drainInFlight(traffic: Traffic, clock: Clock, pollMs: number): Promise<void> {
  traffic.pause();
  try {
    const drainUntil = clock.now() + DRAIN_MS;
    while (traffic.inFlight > 0 && clock.now() < drainUntil) await sleep(clock, pollMs);
    const open = traffic.mark().second;
    while (traffic.mark().second === open && clock.now() < drainUntil + 2_000) await sleep(clock, pollMs);
  } finally {
    traffic.resume();
  }
}

async function steadyWindow(
  scenario: Scenario,
  options: RunOptions,
  baseline: InvariantBaseline,
  windowMs: number,
  clock: Clock,
): Promise<SteadyCheck> {
  const mark = options.traffic.mark();
  await sleep(clock, windowMs);
  const window = options.traffic.since(mark);
  // The books are audited with the arrivals paused, so no saga or event is half-way while they are read.
  options.traffic.pause();
  try {
    const invariants = await checkInvariants(options.target, baseline, {
      settleMs: options.settleMs ?? 30_000,
      clock,
    });
    return { window, ...scenario.steady, invariants };
  } finally {
    options.traffic.resume();
  }
}

function describeSteady(check: SteadyCheck): string {
  const { window } = check;
  const broken = check.invariants.filter((i) => !i.ok).map((i) => i.name);
  const others = Object.entries(window.outcomes)
    .filter(([outcome, count]) => outcome !== 'ok' && count > 0)
    .map(([outcome, count]) => `${count} ${outcome}`);
  return (
    `${window.ok}/${window.operations} ok (${(window.successRatio * 100).toFixed(2)} %${others.length > 0 ? `; ${others.join(', ')}` : ''}), p99 ${Math.round(window.p99Ms)} ms; ` +
    (broken.length === 0 ? 'invariants hold' : `broken: ${broken.join(', ')}`)
  );
}

/** A check that throws (a process down, a refused connection) counts as "not yet". */
async function safely(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}
