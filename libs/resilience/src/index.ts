export type { Clock, TimerHandle } from './common/clock.ts';
export { deadlineAfter, systemClock } from './common/clock.ts';
export type { Disposable } from './common/disposable.ts';
export { toDisposable } from './common/disposable.ts';
export type { Event } from './common/event.ts';
export { EventEmitter, once } from './common/event.ts';
export type { ExecuteOptions, Operation, Priority } from './common/execution-context.ts';
export { ExecutionContext } from './common/execution-context.ts';
export type { Chain, Policy } from './common/policy.ts';
export { BasePolicy, executePolicy, terminal } from './common/policy.ts';
export type { Random } from './common/random.ts';
export { seededRandom, systemRandom } from './common/random.ts';
export type { TimerTarget } from './common/timer-list.ts';
export { TimerEntry, TimerList } from './common/timer-list.ts';
export * from './constants.ts';
export { BrokenCircuitError } from './errors/broken-circuit.error.ts';
export type { BulkheadRejection } from './errors/bulkhead-rejected.error.ts';
export { BulkheadRejectedError } from './errors/bulkhead-rejected.error.ts';
export {
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isCancellation,
  isResilienceError,
  isTaskCancelledError,
  isTimeoutError,
} from './errors/error.guards.ts';
export { ResilienceError } from './errors/resilience.error.ts';
export { TaskCancelledError } from './errors/task-cancelled.error.ts';
export { TimeoutError } from './errors/timeout.error.ts';
export { Pipeline, pipeline } from './pipeline/pipeline.policy.ts';
