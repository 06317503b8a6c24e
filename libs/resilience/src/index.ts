export type { BulkheadOptions, BulkheadRejectEvent } from './bulkhead/bulkhead.policy.ts';
export { BulkheadPolicy, bulkhead } from './bulkhead/bulkhead.policy.ts';
export type { Breaker, TripReason } from './circuit-breaker/breakers/breaker.ts';
export { ConsecutiveBreaker, consecutiveBreaker } from './circuit-breaker/breakers/consecutive.breaker.ts';
export type { WindowBreakerOptions } from './circuit-breaker/breakers/window.breaker.ts';
export { WindowBreaker, windowBreaker } from './circuit-breaker/breakers/window.breaker.ts';
export type {
  BreakEvent,
  CircuitBreakerOptions,
  CircuitState,
  RejectEvent,
  StateChangeEvent,
} from './circuit-breaker/circuit-breaker.policy.ts';
export { CircuitBreakerPolicy, circuitBreaker } from './circuit-breaker/circuit-breaker.policy.ts';
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
export type { FallbackEvent, FallbackOptions } from './fallback/fallback.policy.ts';
export { FallbackPolicy, fallback } from './fallback/fallback.policy.ts';
export { Pipeline, pipeline } from './pipeline/pipeline.policy.ts';
export type { Backoff, BackoffMemo } from './retry/backoff/backoff.ts';
export { ConstantBackoff, constantBackoff } from './retry/backoff/constant.backoff.ts';
export type { DecorrelatedJitterBackoffOptions } from './retry/backoff/decorrelated-jitter.backoff.ts';
export {
  DecorrelatedJitterBackoff,
  decorrelatedJitterBackoff,
} from './retry/backoff/decorrelated-jitter.backoff.ts';
export type { ExponentialBackoffOptions } from './retry/backoff/exponential.backoff.ts';
export { ExponentialBackoff, exponentialBackoff } from './retry/backoff/exponential.backoff.ts';
export type { FullJitterBackoffOptions } from './retry/backoff/full-jitter.backoff.ts';
export { FullJitterBackoff, fullJitterBackoff } from './retry/backoff/full-jitter.backoff.ts';
export type { GiveUpEvent, GiveUpReason, RetryEvent, RetryOptions } from './retry/retry.policy.ts';
export { isRetryableByDefault, RetryPolicy, retry } from './retry/retry.policy.ts';
export type { BudgetExhaustedEvent, RetryBudgetOptions } from './retry/retry-budget.ts';
export { RetryBudget, retryBudget } from './retry/retry-budget.ts';
export type { TimeoutEvent, TimeoutOptions } from './timeout/timeout.policy.ts';
export { TimeoutPolicy, timeout } from './timeout/timeout.policy.ts';
