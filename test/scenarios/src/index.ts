export { alertFiring } from './alerts.ts';
export { CATALOGUE, findScenario } from './catalogue/index.ts';
export * as conditions from './conditions.ts';
export type { GamedayReport, GamedayStep } from './gameday.ts';
export { planGameday, runGameday } from './gameday.ts';
export type { InvariantBaseline, InvariantResult } from './invariants.ts';
export { checkInvariants, invariantBaseline } from './invariants.ts';
export type { AdminAnswer, ProcessRow, ReplicaAction, SupervisorStatus, Target } from './platform.target.ts';
export { connectTarget } from './platform.target.ts';
export type { RunOptions, ScenarioReport, TimelineEntry, TimelinePhase } from './scenario.runner.ts';
export { runScenario, TIMELINE_PHASES } from './scenario.runner.ts';
export type {
  Condition,
  Detection,
  Fault,
  FaultContext,
  Mechanism,
  Recovery,
  Scenario,
  ScenarioLoad,
  SteadyState,
} from './scenario.types.ts';
export { MECHANISMS } from './scenario.types.ts';
export type { TrafficMark, WindowStats } from './traffic.ts';
export { Traffic } from './traffic.ts';
export type { Observations, SteadyCheck, Verdict } from './verdict.ts';
export { decideVerdict, steadyViolations, VERDICTS, worstVerdict } from './verdict.ts';
