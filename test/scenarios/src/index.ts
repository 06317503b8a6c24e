export { alertFiring } from './alerts.client.ts';
export { CATALOGUE, findScenario } from './catalogue/index.ts';
export type { GamedayReport, GamedayStep } from './gameday.runner.ts';
export { planGameday, runGameday } from './gameday.runner.ts';
export type { InvariantBaseline, InvariantResult } from './invariants.check.ts';
export { checkInvariants, invariantBaseline } from './invariants.check.ts';
export type { AdminAnswer, ProcessRow, ReplicaAction, SupervisorStatus, Target } from './platform.target.ts';
export { connectTarget } from './platform.target.ts';
export * as conditions from './scenario.conditions.ts';
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
export type { Observations, SteadyCheck, Verdict } from './scenario.verdict.ts';
export { decideVerdict, steadyViolations, VERDICTS, worstVerdict } from './scenario.verdict.ts';
export type { TrafficMark, WindowStats } from './traffic.generator.ts';
export { Traffic } from './traffic.generator.ts';
