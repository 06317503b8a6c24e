import { type Disposable, toDisposable } from './disposable.util.ts';

/**
 * A subscribe-only event: pass a listener, get a {@link Disposable} back that unsubscribes it.
 * Policies expose these as `on<Event>` properties and keep the emitter private.
 *
 * @example
 * const sub = breaker.onStateChange(({ from, to }) => log(`${from} -> ${to}`));
 * sub.dispose();
 */
export type Event<T> = (listener: (event: T) => void) => Disposable;

/**
 * The private side of an {@link Event}. `hasListeners` lets a policy skip building payloads or reading the
 * clock when nobody listens, so observation costs nothing when it is off.
 */
export class EventEmitter<T> {
  #listeners: Array<(event: T) => void> = [];

  /** The subscribe-only view to expose publicly. */
  readonly event: Event<T> = (listener) => {
    this.#listeners = [...this.#listeners, listener];
    return toDisposable(() => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    });
  };

  get hasListeners(): boolean {
    return this.#listeners.length > 0;
  }

  get size(): number {
    return this.#listeners.length;
  }

  /**
   * Calls every listener with `event`. A throwing listener is reported as a process warning and never breaks
   * the policy or the other listeners.
   */
  emit(event: T): void {
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(event);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : String(error), 'ResilienceListenerError');
      }
    }
  }
}

/** Resolves with the next value of `event` (a test and glue helper). */
export function once<T>(event: Event<T>): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      sub.dispose();
      resolve(value);
    });
  });
}
