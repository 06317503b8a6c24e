/** Returned by every subscription; call `dispose()` to stop listening. */
export interface Disposable {
  dispose(): void;
}

/** Subscribe-only view of an event: pass a listener, get a disposable back. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** A private emitter whose `event` property is handed out as the public, subscribe-only surface. */
export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.#listeners]) listener(value);
  }
}
