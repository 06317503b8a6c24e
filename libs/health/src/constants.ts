/** A check that has not answered after this long counts as failed (a hung dependency must not hang /readyz). */
export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
/** Time between readiness going false and the start of draining, so load balancers stop sending traffic. */
export const DEFAULT_DRAIN_DELAY_MS = 0;
/** Bound on waiting for in-flight work and drain hooks. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Bound on each shutdown hook. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5_000;
/** Admin port when the configuration names none (traffic ports are elsewhere). */
export const DEFAULT_ADMIN_PORT = 9464;
