import { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../errors/config.error.ts';
import { startTracing } from './tracing.bootstrap.ts';

/**
 * A service's entry point: starts tracing, then loads the service, so that its gRPC and HTTP modules load
 * instrumented (ES module imports are evaluated before the importing module runs, hence the dynamic import).
 * A bad tracing variable stops the process with one line, as any other bad setting does.
 */
export async function startInstrumented(service: string, load: () => Promise<unknown>): Promise<void> {
  try {
    startTracing({ service });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
  await load();
}
