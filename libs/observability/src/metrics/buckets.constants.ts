/**
 * Latency buckets in seconds for this platform: in-process gRPC hops take 0.2–5 ms, a checkout through
 * the saga 5–50 ms, and deadlines cut calls at 0.1–2 s. Fine steps below 100 ms, coarse ones up to the
 * longest deadline, so p50/p99 of fast calls and timeouts both land in a useful bucket.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
