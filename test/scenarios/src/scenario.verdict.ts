import type { InvariantResult } from './invariants.check.ts';
import type { WindowStats } from './traffic.generator.ts';

export const VERDICTS = ['PASS', 'FAIL', 'INCONCLUSIVE'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A steady-state check: the traffic window and the invariants read from the durable records. */
export interface SteadyCheck {
  readonly window: WindowStats;
  readonly minSuccessRatio: number;
  readonly maxP99Ms: number;
  readonly invariants: readonly InvariantResult[];
}

/** What the runner observed; `undefined` times mean "did not happen within its bound". */
export interface Observations {
  readonly before: SteadyCheck;
  readonly confirmedAfterMs: number | undefined;
  readonly detectedAfterMs: number | undefined;
  /** `'not checked'` when Prometheus does not run; undefined when it runs and the alert did not fire in time. */
  readonly alertAfterMs: number | 'not checked' | 'not expected' | undefined;
  readonly during: { readonly window: WindowStats; readonly minSuccessRatio: number } | undefined;
  readonly recoveredAfterMs: number | undefined;
  readonly after: SteadyCheck | undefined;
  /** An error that ended the run early (the platform stopped answering, a fault hook refused). */
  readonly error?: string;
}

/** Why a steady state does not hold, one line each (empty: it holds). */
export function steadyViolations(check: SteadyCheck): string[] {
  const violations: string[] = [];
  const { window } = check;
  if (window.operations === 0) violations.push('no shopper operation ended in the window');
  else if (window.successRatio < check.minSuccessRatio) {
    violations.push(
      `success ratio ${percent(window.successRatio)} < ${percent(check.minSuccessRatio)} (${window.ok}/${window.operations})`,
    );
  }
  if (window.p99Ms > check.maxP99Ms)
    violations.push(`p99 ${Math.round(window.p99Ms)} ms > ${check.maxP99Ms} ms`);
  for (const invariant of check.invariants) {
    if (!invariant.ok) violations.push(`invariant '${invariant.name}' broken: ${invariant.detail}`);
  }
  return violations;
}

/**
 * The verdict, in this order: not steady before the fault, or a fault that never took effect → INCONCLUSIVE
 * (nothing was learnt); an error, a missed detection or alert, a floor broken during the fault, no recovery in
 * time, or a steady state not back after → FAIL; otherwise PASS.
 */
export function decideVerdict(o: Observations): { verdict: Verdict; reasons: string[] } {
  const before = steadyViolations(o.before);
  if (before.length > 0) {
    return { verdict: 'INCONCLUSIVE', reasons: before.map((v) => `not steady before the fault: ${v}`) };
  }
  if (o.error !== undefined) return { verdict: 'FAIL', reasons: [o.error] };
  if (o.confirmedAfterMs === undefined) {
    return { verdict: 'INCONCLUSIVE', reasons: ['the fault was never confirmed to take effect'] };
  }
  const reasons: string[] = [];
  if (o.detectedAfterMs === undefined) reasons.push('not detected within its bound');
  if (o.alertAfterMs === undefined) reasons.push('the expected alert did not fire within its bound');
  if (o.during && o.during.window.operations > 0 && o.during.window.successRatio < o.during.minSuccessRatio) {
    reasons.push(
      `success ratio during the fault ${percent(o.during.window.successRatio)} < ${percent(o.during.minSuccessRatio)} (${describeOutcomes(o.during.window)})`,
    );
  }
  if (o.recoveredAfterMs === undefined) reasons.push('not recovered within its bound');
  if (o.after === undefined) reasons.push('the steady state after was not measured');
  else reasons.push(...steadyViolations(o.after).map((v) => `not steady after: ${v}`));
  return reasons.length > 0 ? { verdict: 'FAIL', reasons } : { verdict: 'PASS', reasons: [] };
}

/** The worst of several verdicts (a game day's overall verdict): FAIL, then INCONCLUSIVE, then PASS. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('FAIL')) return 'FAIL';
  if (verdicts.includes('INCONCLUSIVE') || verdicts.length === 0) return 'INCONCLUSIVE';
  return 'PASS';
}

/** `117/124 ok; 7 shed` */
function describeOutcomes(window: WindowStats): string {
  const others = Object.entries(window.outcomes)
    .filter(([outcome, count]) => outcome !== 'ok' && count > 0)
    .map(([outcome, count]) => `${count} ${outcome}`);
  return [`${window.ok}/${window.operations} ok`, ...others].join('; ');
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)} %`;
}
