import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@rebound/observability';

/** Nest's own log lines through pino, so that one process writes one log format. */
export class PinoNestLogger implements LoggerService {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  log(message: unknown, context?: string): void {
    this.#logger.debug({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.#logger.error({ context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.#logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.#logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.#logger.trace({ context }, String(message));
  }
}
