// The repository's one clock (resilience's); the load generator's timers keep the process alive while it runs.
export type { Clock, TimerHandle } from '@rebound/resilience';
export { keepAliveClock } from '@rebound/resilience';
export type { ArrivalProcess, ArrivalSchedulerOptions } from './arrival.scheduler.ts';
export { ArrivalScheduler } from './arrival.scheduler.ts';
export type { CheckoutContext, CheckoutLimits, CheckoutResult, OrderLine } from './checkout.flow.ts';
export { DEFAULT_CHECKOUT_LIMITS, placeOrder, retryAfterMs } from './checkout.flow.ts';
export type { Command } from './control.commands.ts';
export { COMMANDS_HELP, CommandError, parseCommand } from './control.commands.ts';
export type { ControlServer, ControlTarget } from './control.server.ts';
export { startControlServer } from './control.server.ts';
export type { HttpRequest, HttpResponse, HttpTransportOptions, Transport } from './http.transport.ts';
export { httpTransport } from './http.transport.ts';
export type { LatencySummary } from './latency.histogram.ts';
export { LatencyHistogram } from './latency.histogram.ts';
export type { CommandAnswer, LoadRunnerOptions, LoadStatus } from './load.runner.ts';
export { LoadRunner } from './load.runner.ts';
export type { ClientStream, LoadSettings } from './load.settings.ts';
export { DEFAULT_SETTINGS, describeSettings } from './load.settings.ts';
export type {
  CheckoutCounters,
  LoadSummary,
  OperationSummary,
  RecordedOperation,
  SecondStats,
  Stream,
} from './load.stats.ts';
export { LoadStats, STREAMS } from './load.stats.ts';
export type { Mix, Operation } from './operation.mix.ts';
export {
  applyMix,
  DEFAULT_MIX,
  formatMix,
  MixError,
  OPERATIONS,
  parseMix,
  pickOperation,
} from './operation.mix.ts';
export type { Outcome, OutcomeCounts } from './operation.outcome.ts';
export { OUTCOMES, outcomeOf } from './operation.outcome.ts';
export { formatSecond, formatSummary } from './report.format.ts';
export type { Random } from './seeded.random.ts';
export { seededRandom } from './seeded.random.ts';
export { sleep } from './sleep.util.ts';
