/** Defaults for `libs/rpc`, in one place. Durations are milliseconds. */

/** Deadline for a client call when neither the call, its method config nor an incoming call sets one. */
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;
/** How often a `dns:///` target is resolved again (new pods appear, old ones go). */
export const DEFAULT_DNS_REFRESH_MS = 10_000;

/** Outlier ejection: failures in a row that set a replica aside (Envoy: 5). */
export const DEFAULT_EJECT_CONSECUTIVE_FAILURES = 5;
/** Outlier ejection: failure ratio over the counting interval that sets a replica aside. */
export const DEFAULT_EJECT_FAILURE_RATIO = 0.5;
/** Outlier ejection: calls a replica must have served in the interval before its failure ratio is judged. */
export const DEFAULT_EJECT_MIN_REQUESTS = 20;
/** Outlier ejection: the interval over which the failure ratio is counted. */
export const DEFAULT_EJECT_INTERVAL_MS = 10_000;
/** Outlier ejection: first ejection length; the n-th ejection lasts n times this, capped (Envoy: 30 s). */
export const DEFAULT_EJECT_BASE_MS = 5_000;
/** Outlier ejection: the longest an ejection lasts. */
export const DEFAULT_EJECT_MAX_MS = 60_000;
/** Outlier ejection: at most this share of the replicas is ejected at once (at least one may be). */
export const DEFAULT_EJECT_MAX_PERCENT = 50;

/** Trailing metadata key carrying how long a shed caller should wait before trying this replica again. */
export const RETRY_AFTER_KEY = 'retry-after-ms';
/** Metadata propagated from an incoming call to the calls it makes. */
export const REQUEST_ID_KEY = 'x-request-id';
export const TRACEPARENT_KEY = 'traceparent';
export const IDEMPOTENCY_KEY = 'idempotency-key';
/** Criticality of a call for load shedding (`critical-plus`, `critical`, `sheddable-plus`, `sheddable`). */
export const PRIORITY_KEY = 'x-priority';

/** Server: adaptive concurrency limit bounds and start. */
export const DEFAULT_LIMIT_INITIAL = 16;
export const DEFAULT_LIMIT_MIN = 4;
export const DEFAULT_LIMIT_MAX = 512;
/** Server: the "overloaded" flag stays up this long after the last shed call. */
export const DEFAULT_OVERLOAD_HOLD_MS = 1_000;
/** Server: graceful drain bound before remaining calls are cut. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Server: connections are closed after this age so that new replicas get traffic after a scale-up. */
export const DEFAULT_MAX_CONNECTION_AGE_MS = 5 * 60_000;
export const DEFAULT_MAX_CONNECTION_AGE_GRACE_MS = 30_000;
