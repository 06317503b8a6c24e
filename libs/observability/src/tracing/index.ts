export { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../errors/config.error.ts';
export { startInstrumented } from './instrumented.bootstrap.ts';
export type { StartTracingOptions } from './tracing.bootstrap.ts';
export { startTracing } from './tracing.bootstrap.ts';
export type { TracesExporter, TracingConfig } from './tracing.config.ts';
export { parseTracingConfig } from './tracing.config.ts';
