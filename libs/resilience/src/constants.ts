/**
 * Defaults for every policy, in one place. Durations are milliseconds on the injected monotonic clock.
 * Sources for each number are in `docs/resilience/` and the package notes.
 */

/** Retries after the first call (so 3 means at most 4 calls in total). */
export const DEFAULT_MAX_RETRIES = 3;
/** First backoff delay (`base`) for the exponential, jitter and decorrelated backoffs. */
export const DEFAULT_BACKOFF_BASE_MS = 100;
/** Upper bound on any single backoff delay. */
export const DEFAULT_BACKOFF_MAX_MS = 10_000;
/** Growth factor of the exponential backoff. */
export const DEFAULT_BACKOFF_EXPONENT = 2;

/** Retry budget: retries may be at most this fraction of requests seen in the window (Envoy, Linkerd: 20%). */
export const DEFAULT_BUDGET_RATIO = 0.2;
/**
 * Retry budget: retries per second always allowed regardless of the ratio (Linkerd's `minRetriesPerSecond` and
 * tower's `min_per_sec`: 10), so a client that just started or sends little can still fail over.
 */
export const DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND = 10;
/** Retry budget: length of the sliding window over which requests and retries are counted. */
export const DEFAULT_BUDGET_WINDOW_MS = 10_000;
/** Retry budget: number of buckets the window is split into. */
export const DEFAULT_BUDGET_BUCKETS = 10;

/** Consecutive-failure breaker: failures in a row that open the circuit. */
export const DEFAULT_BREAKER_CONSECUTIVE_FAILURES = 5;
/** How long the circuit stays open before it admits half-open probes. */
export const DEFAULT_BREAKER_OPEN_MS = 5_000;
/** Calls admitted while half-open; everyone else is rejected at once. */
export const DEFAULT_BREAKER_HALF_OPEN_PROBES = 1;
/** A half-open state whose probes never settle re-opens after this long (never wedges). */
export const DEFAULT_BREAKER_HALF_OPEN_MAX_WAIT_MS = 10_000;
/** Window breaker: sampling window length and bucket count. */
export const DEFAULT_BREAKER_WINDOW_MS = 10_000;
export const DEFAULT_BREAKER_WINDOW_BUCKETS = 10;
/** Window breaker: failure rate (0..1) that opens the circuit. */
export const DEFAULT_BREAKER_FAILURE_RATE = 0.5;
/** Window breaker: slow-call rate (0..1) that opens the circuit; 1 means only when every call is slow. */
export const DEFAULT_BREAKER_SLOW_CALL_RATE = 1;
/** Window breaker: a call slower than this counts as slow. */
export const DEFAULT_BREAKER_SLOW_CALL_MS = 60_000;
/** Window breaker: calls needed in the window before any rate is judged (avoids low-traffic trips). */
export const DEFAULT_BREAKER_MINIMUM_THROUGHPUT = 20;

/** Bulkhead: calls running at once. */
export const DEFAULT_BULKHEAD_MAX_CONCURRENT = 10;
/** Bulkhead: callers allowed to wait for a slot (0 = reject at once when full). */
export const DEFAULT_BULKHEAD_MAX_QUEUE = 0;
/** Bulkhead: how long a queued caller waits for a slot before it is rejected. */
export const DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS = 1_000;

/**
 * Timers scheduled through the shared timer lists fire when `due <= now + TIMER_TOLERANCE_MS`: Node's timers
 * count whole milliseconds, so a timer may wake a fraction of a millisecond before a `performance.now()` due time.
 */
export const TIMER_TOLERANCE_MS = 1;
