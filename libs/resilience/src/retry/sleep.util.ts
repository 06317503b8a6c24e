import type { ExecutionContext } from '../common/execution.context.ts';
import type { Clock, TimerHandle } from '../common/system.clock.ts';

class Sleep {
  readonly #signal: AbortSignal;
  readonly #resolve: () => void;
  readonly #timer: TimerHandle;

  constructor(clock: Clock, delayMs: number, signal: AbortSignal, resolve: () => void) {
    this.#signal = signal;
    this.#resolve = resolve;
    this.#timer = clock.setTimer(() => this.#wake(), delayMs);
    signal.addEventListener('abort', this);
  }

  handleEvent(): void {
    this.#timer.cancel();
    this.#wake();
  }

  #wake(): void {
    this.#signal.removeEventListener('abort', this);
    this.#resolve();
  }
}

/**
 * Waits `delayMs` on `clock`, waking early (without error: the caller checks `context.aborted`) when the
 * execution is aborted. The abort listener is removed on every path, so long retry loops leak nothing.
 */
export function sleep(clock: Clock, delayMs: number, context: ExecutionContext): Promise<void> {
  const signal = context.signal;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    new Sleep(clock, delayMs, signal, resolve);
  });
}
