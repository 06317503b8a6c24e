/**
 * Counts work in progress (requests, messages) so shutdown can wait for it. Transports call
 * {@link InflightTracker.begin} when work starts and the returned function when it ends, or wrap a promise
 * with {@link InflightTracker.track}.
 */
export class InflightTracker {
  #count = 0;
  #idle: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  /** Marks one unit of work started; call the returned function once when it ends (extra calls are ignored). */
  begin(): () => void {
    this.#count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#count--;
      if (this.#count === 0) {
        const waiters = this.#idle;
        this.#idle = [];
        for (const resolve of waiters) resolve();
      }
    };
  }

  /** Counts `work` as in flight until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const end = this.begin();
    return work.finally(end);
  }

  /** Resolves when nothing is in flight (at once if nothing is). */
  whenIdle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
