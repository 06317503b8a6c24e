/** Something that can be released: event subscriptions, isolation handles, policies holding timers. */
export interface Disposable {
  dispose(): void;
  [Symbol.dispose](): void;
}

class CallbackDisposable implements Disposable {
  #release: (() => void) | undefined;

  constructor(release: () => void) {
    this.#release = release;
  }

  dispose(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Wraps `release` so it runs at most once, via `dispose()` or a `using` declaration. */
export function toDisposable(release: () => void): Disposable {
  return new CallbackDisposable(release);
}
