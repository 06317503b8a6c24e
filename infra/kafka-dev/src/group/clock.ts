/** A cancellable timer handle. */
export interface TimerHandle {
  clear(): void;
}

/** Time as the broker's timers see it: injected, so the group state machine runs on a fake clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
}

/** The real clock. Timers are unref'd: a broker's pending session timers never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    // Node caps timers at 2^31-1 ms and fires larger ones at once: clamp instead
    const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    timer.unref();
    return { clear: () => clearTimeout(timer) };
  },
};

/** A manual clock for unit tests: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  #time: number;
  readonly #timers = new Set<{ at: number; seq: number; callback: () => void }>();
  #seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.#time = start;
  }

  now(): number {
    return this.#time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { at: this.#time + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return { clear: () => this.#timers.delete(timer) };
  }

  advance(ms: number): void {
    const target = this.#time + ms;
    for (;;) {
      let next: { at: number; seq: number; callback: () => void } | undefined;
      for (const timer of this.#timers) {
        if (
          timer.at <= target &&
          (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        )
          next = timer;
      }
      if (!next) break;
      this.#timers.delete(next);
      this.#time = next.at;
      next.callback();
    }
    this.#time = target;
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }
}
