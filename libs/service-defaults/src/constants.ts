/** The bearer token of the admin endpoints when `ADMIN_TOKEN` is not set: fine on a laptop, never in a cluster. */
export const DEFAULT_ADMIN_TOKEN = 'rebound-local-admin';

/** Exit code of a crash injected through `/admin/faults`. */
export const INJECTED_CRASH_EXIT_CODE = 70;
