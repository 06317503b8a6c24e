import type { Target } from './platform.target.ts';
import type { ScenarioLoad, Traffic } from './traffic.generator.ts';

export type { ScenarioLoad } from './traffic.generator.ts';

/** What a fault acts through: the platform, and the traffic (an abusive client is a change of load). */
export interface FaultContext {
  readonly target: Target;
  readonly traffic: Traffic;
}

/**
 * A check armed before the fault: `arm` reads whatever baseline it needs (a restart count, a counter) and
 * returns the test to poll afterwards. `describe` is the sentence the report prints.
 */
export interface Condition {
  readonly describe: string;
  arm(target: Target): Promise<(target: Target) => Promise<boolean>>;
}

/** What "normal" means, checked before the fault and again after recovery. */
export interface SteadyState {
  /** Shoppers' operations answered 2xx over every operation they started, in the window. */
  readonly minSuccessRatio: number;
  /** The highest per-second p99 of the shoppers' latency in the window (ms). */
  readonly maxP99Ms: number;
}

export interface Fault {
  readonly describe: string;
  /** Switches the fault on. */
  inject(context: FaultContext): Promise<void>;
  /** Switches it off (a no-op for a one-shot fault such as a kill). Always called, even after a failure. */
  clear(context: FaultContext): Promise<void>;
  /** How the runner knows the fault took effect: never confirmed within the bound → INCONCLUSIVE. */
  readonly confirm: Condition;
  readonly confirmWithinMs: number;
  /** How long the fault stays on after its injection before `clear` (0: cleared once confirmed and detected). */
  readonly holdMs: number;
}

export interface Detection {
  /** The mechanism's own signal (a breaker state, a shed counter, a supervisor restart) within `withinMs`. */
  readonly signal: Condition;
  readonly withinMs: number;
  /** The alert that must fire (Prometheus `/api/v1/alerts`, state firing) within `alertWithinMs`, when Prometheus runs. */
  readonly alert?: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly alertWithinMs?: number;
}

export interface Recovery {
  readonly condition: Condition;
  /** From the fault's clearing. */
  readonly withinMs: number;
}

/** Which mechanisms of the platform a scenario exercises (the catalogue must cover each). */
export const MECHANISMS = [
  'replica-kill',
  'crash-loop',
  'hang',
  'frozen-process',
  'slow-dependency',
  'failing-dependency',
  'overload',
  'abusive-client',
  'poison-event',
  'broker-down',
  'notifications-down',
  'database-failover',
  'memory-leak',
  'cpu-burn',
  'partition',
  'bad-input',
  'saga-crash',
  'bad-rollout',
  'remediation',
] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export interface Scenario {
  readonly name: string;
  readonly mechanism: Mechanism;
  /** One sentence: what a PASS proves. */
  readonly proves: string;
  /** In the CI subset (`pnpm scenario ci`, the package's test). */
  readonly ci?: boolean;
  /** Safe to draw in a game day (cleans up after itself without manual steps). */
  readonly gameday?: boolean;
  readonly load: ScenarioLoad;
  readonly steady: SteadyState;
  /** Optional floor while the fault is on (e.g. a replica kill must not cost more than 1 % of requests). */
  readonly during?: { readonly minSuccessRatio: number };
  readonly fault: Fault;
  readonly detection: Detection;
  readonly recovery: Recovery;
}
