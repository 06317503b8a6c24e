import type { Clock, TimerHandle } from '@rebound/resilience';

/** A clock that only moves when told to; due timers fire in order on `advance`. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: { due: number; callback: () => unknown; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => unknown, delayMs: number): TimerHandle {
    const timer = { due: this.#now + Math.max(0, delayMs), callback, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing each due timer and waiting for the work it returns (a renewal's round trip
   * to the database) before the next one, as real time would pass while it runs.
   */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => !timer.cancelled && timer.due <= until)
        .sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.#now = due.due;
      due.cancelled = true;
      await Promise.resolve(due.callback()).catch(() => {});
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#now = until;
  }
}
