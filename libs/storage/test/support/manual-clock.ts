import type { LeaseClock, LeaseTimer } from '../../src/index.ts';

/** A clock that only moves when told to; due timers fire in order on `advance`. */
export class ManualClock implements LeaseClock {
  #now = 0;
  #timers: { due: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): LeaseTimer {
    const timer = { due: this.#now + Math.max(0, delayMs), callback, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing each due timer and letting its promise chains settle. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => !timer.cancelled && timer.due <= until)
        .sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.#now = due.due;
      due.cancelled = true;
      due.callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#now = until;
  }
}
