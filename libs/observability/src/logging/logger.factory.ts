import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { currentRequestContext } from '../context/request.context.ts';
import { activeTraceIds } from '../tracing/active-trace.util.ts';

export type { Logger } from 'pino';

export interface LoggerConfig {
  readonly service: string;
  /** pino level; `LOG_LEVEL` usually feeds it. */
  readonly level?: LoggerOptions['level'];
  /** Where JSON lines go; standard output by default. Tests pass a stream. */
  readonly destination?: DestinationStream;
}

/**
 * A pino logger whose lines carry the service name and, inside a request or a span, the request id and the
 * trace and span ids, so a log line can be joined to its trace and to the other services' lines.
 */
export function createLogger({ service, level = 'info', destination }: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      // The active span when tracing is on; else the ids the request carried in (still joinable across services).
      const context = currentRequestContext();
      const ids = activeTraceIds() ?? context;
      return {
        ...(context && { requestId: context.requestId }),
        ...(ids?.traceId && { traceId: ids.traceId }),
        ...(ids?.spanId && { spanId: ids.spanId }),
      };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
