export { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../errors/config.error.ts';
export { startInstrumented } from './start-instrumented.ts';
export type { StartTracingOptions } from './start-tracing.ts';
export { startTracing } from './start-tracing.ts';
export type { TracesExporter, TracingConfig } from './tracing.config.ts';
export { parseTracingConfig } from './tracing.config.ts';
