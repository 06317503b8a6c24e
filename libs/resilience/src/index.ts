export * from './adaptive.constants.ts';
export type { BulkheadOptions, BulkheadRejectEvent } from './bulkhead/bulkhead.policy.ts';
export { BulkheadPolicy, bulkhead } from './bulkhead/bulkhead.policy.ts';
export type { Breaker, TripReason } from './circuit-breaker/breakers/breaker.types.ts';
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
export type { Chain, Policy } from './common/base.policy.ts';
export { BasePolicy, executePolicy, terminal } from './common/base.policy.ts';
export type { Disposable } from './common/disposable.util.ts';
export { toDisposable } from './common/disposable.util.ts';
export type { Event } from './common/event.emitter.ts';
export { EventEmitter, once } from './common/event.emitter.ts';
export type { ExecuteOptions, Operation, Priority } from './common/execution.context.ts';
export { ExecutionContext } from './common/execution.context.ts';
export { LruMap } from './common/lru.cache.ts';
export type { Random } from './common/seeded.random.ts';
export { seededRandom, systemRandom } from './common/seeded.random.ts';
export type { Clock, TimerHandle, WallClock } from './common/system.clock.ts';
export {
  deadlineAfter,
  deadlineFromEpoch,
  keepAliveClock,
  systemClock,
  wallClock,
} from './common/system.clock.ts';
export type { TimerTarget } from './common/timer-list.queue.ts';
export { TimerEntry, TimerList } from './common/timer-list.queue.ts';
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
export type { InjectedFaultKind } from './errors/injected-fault.error.ts';
export { InjectedFaultError, isInjectedFaultError } from './errors/injected-fault.error.ts';
export { isLoadShedError, LoadShedError } from './errors/load-shed.error.ts';
export { isRateLimitedError, RateLimitedError } from './errors/rate-limited.error.ts';
export { ResilienceError } from './errors/resilience.error.ts';
export { TaskCancelledError } from './errors/task-cancelled.error.ts';
export { isThrottledError, ThrottledError } from './errors/throttled.error.ts';
export { TimeoutError } from './errors/timeout.error.ts';
export type { FallbackEvent, FallbackOptions } from './fallback/fallback.policy.ts';
export { FallbackPolicy, fallback } from './fallback/fallback.policy.ts';
export type { FaultConfig, FaultConfigUpdate, FaultKind } from './fault-injection/fault.config.ts';
export { NO_FAULTS } from './fault-injection/fault.config.ts';
export type { FaultEvent, FaultInjectionOptions } from './fault-injection/fault-injection.policy.ts';
export { FaultInjectionPolicy, faultInjection } from './fault-injection/fault-injection.policy.ts';
export type {
  HedgeBudget,
  HedgeEvent,
  HedgeSettleEvent,
  HedgeSkipEvent,
  HedgingOptions,
} from './hedging/hedging.policy.ts';
export { HedgingPolicy, hedging } from './hedging/hedging.policy.ts';
export type { HedgeDelay, PercentileDelayOptions } from './hedging/percentile.delay.ts';
export { PercentileDelay, percentileDelay } from './hedging/percentile.delay.ts';
export type { AimdLimitOptions } from './load-shedding/aimd.limit.ts';
export { AimdLimit, aimdLimit } from './load-shedding/aimd.limit.ts';
export type { Gradient2LimitOptions } from './load-shedding/gradient2.limit.ts';
export { Gradient2Limit, gradient2Limit } from './load-shedding/gradient2.limit.ts';
export type { ConcurrencyLimit, LimitSample } from './load-shedding/limit.types.ts';
export type {
  LimitChangeEvent,
  LoadSheddingOptions,
  PermitOutcome,
  ShedEvent,
} from './load-shedding/load-shedding.policy.ts';
export { LoadSheddingPolicy, loadShedding, ShedPermit } from './load-shedding/load-shedding.policy.ts';
export type { WindowedLimitOptions } from './load-shedding/windowed.limit.ts';
export { WindowedLimit, windowedLimit } from './load-shedding/windowed.limit.ts';
export { Pipeline, pipeline } from './pipeline/pipeline.policy.ts';
export type {
  EvictEvent,
  EvictionReason,
  KeyedRateLimitOptions,
} from './rate-limit/keyed-rate-limit.policy.ts';
export { KeyedRateLimitPolicy, keyedRateLimit } from './rate-limit/keyed-rate-limit.policy.ts';
export type { RateLimitOptions, RateLimitRejectEvent } from './rate-limit/rate-limit.policy.ts';
export { RateLimitPolicy, rateLimit } from './rate-limit/rate-limit.policy.ts';
export { TokenBucket } from './rate-limit/token-bucket.limiter.ts';
export type { Backoff, BackoffMemo } from './retry/backoff/backoff.types.ts';
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
export type { BudgetExhaustedEvent, RetryBudgetOptions } from './retry/retry.budget.ts';
export { RetryBudget, retryBudget } from './retry/retry.budget.ts';
export type { GiveUpEvent, GiveUpReason, RetryEvent, RetryOptions } from './retry/retry.policy.ts';
export { isRetryableByDefault, RetryPolicy, retry } from './retry/retry.policy.ts';
export type { AdaptiveThrottleOptions, ThrottleEvent } from './throttling/adaptive-throttle.policy.ts';
export { AdaptiveThrottlePolicy, adaptiveThrottle } from './throttling/adaptive-throttle.policy.ts';
export type { TimeoutEvent, TimeoutOptions } from './timeout/timeout.policy.ts';
export { TimeoutPolicy, timeout } from './timeout/timeout.policy.ts';
