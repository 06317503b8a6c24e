import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { currentRequestContext } from '../context/request-context.ts';

export type { Logger } from 'pino';

export interface LoggerConfig {
  readonly service: string;
  /** pino level; `LOG_LEVEL` usually feeds it. */
  readonly level?: LoggerOptions['level'];
  /** Where JSON lines go; standard output by default. Tests pass a stream. */
  readonly destination?: DestinationStream;
}

/**
 * A pino logger whose lines carry the service name and, inside a request, its request id and trace
 * and span ids, so a log line can be joined to its trace and to the other services' lines.
 */
export function createLogger({ service, level = 'info', destination }: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const context = currentRequestContext();
      if (!context) return {};
      return {
        requestId: context.requestId,
        ...(context.traceId && { traceId: context.traceId }),
        ...(context.spanId && { spanId: context.spanId }),
      };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
