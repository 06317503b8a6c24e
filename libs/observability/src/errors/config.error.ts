/** EX_CONFIG from sysexits.h: the code every Rebound process exits with on a bad setting. */
export const CONFIG_ERROR_EXIT_CODE = 78;

/**
 * A bad setting (an environment variable, a tracing option): its message is the one line the process prints
 * before exiting with {@link CONFIG_ERROR_EXIT_CODE}. The one config error of the repository; service-defaults'
 * `loadConfig` and the tracing setup both throw it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
