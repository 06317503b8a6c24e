/**
 * Defaults of the adaptive policies (rate limit, load shedding, throttling, hedging, fault injection), in one
 * place. Durations are milliseconds on the injected monotonic clock. `docs/resilience/` explains each number.
 */

/** Token bucket: tokens added per second. */
export const DEFAULT_RATE_LIMIT_RATE = 100;
/** Token bucket: capacity, i.e. the largest burst admitted at once after a quiet period. */
export const DEFAULT_RATE_LIMIT_BURST = 100;
/** Per-key limiter: keys tracked at most; the least recently used key is evicted beyond it. */
export const DEFAULT_RATE_LIMIT_MAX_KEYS = 10_000;
/** Per-key limiter: a key unused for this long is forgotten (its bucket would be full again anyway). */
export const DEFAULT_RATE_LIMIT_IDLE_MS = 60_000;

/** Adaptive concurrency: starting limit, floor and ceiling (Netflix concurrency-limits defaults). */
export const DEFAULT_LIMIT_INITIAL = 20;
export const DEFAULT_LIMIT_MIN = 20;
export const DEFAULT_LIMIT_MAX = 200;
/** Gradient2: weight of a new estimate in the limit (0..1). */
export const DEFAULT_GRADIENT_SMOOTHING = 0.2;
/** Gradient2: how much slower than the long-term RTT the short-term RTT may get before the limit shrinks. */
export const DEFAULT_GRADIENT_TOLERANCE = 1.5;
/** Gradient2: samples in the long-term RTT average (its memory). */
export const DEFAULT_GRADIENT_LONG_WINDOW = 600;
/** Gradient2: samples in the short-term RTT average. */
export const DEFAULT_GRADIENT_SHORT_WINDOW = 10;
/** AIMD: factor applied to the limit on a drop (timeout or overload error). */
export const DEFAULT_AIMD_BACKOFF_RATIO = 0.9;
/** AIMD: a call slower than this counts as a drop. */
export const DEFAULT_AIMD_TIMEOUT_MS = 5_000;
/** Load shedding: fraction of the limit each priority may fill before it is shed. */
export const DEFAULT_PRIORITY_SHARES = Object.freeze({
  'critical-plus': 1,
  critical: 0.9,
  'sheddable-plus': 0.75,
  sheddable: 0.5,
} as const);
/** Load shedding: `shedding` stays true this long after the last shed call (readiness hysteresis). */
export const DEFAULT_SHEDDING_HOLD_MS = 1_000;

/** Adaptive throttling (Google SRE): accepts multiplier K; 2 lets through twice the accepted load. */
export const DEFAULT_THROTTLE_K = 2;
/** Adaptive throttling: sliding window over which requests and accepts are counted (SRE book: 2 minutes). */
export const DEFAULT_THROTTLE_WINDOW_MS = 120_000;
/** Adaptive throttling: buckets the window is split into (2 s each by default). */
export const DEFAULT_THROTTLE_BUCKETS = 60;

/** Hedging: extra attempts after the first. */
export const DEFAULT_MAX_HEDGES = 1;
/** Hedging: delay before a hedge when no percentile is known yet. */
export const DEFAULT_HEDGE_DELAY_MS = 100;
/** Percentile hedging: the latency percentile used as delay, the sample ring size, and samples needed first. */
export const DEFAULT_HEDGE_PERCENTILE = 0.95;
export const DEFAULT_HEDGE_SAMPLES = 256;
export const DEFAULT_HEDGE_MIN_SAMPLES = 20;
