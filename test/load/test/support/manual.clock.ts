import type { Clock, TimerHandle } from '@rebound/resilience';

/** Lets every promise callback that is ready run (one macrotask turn, twice for chains that re-queue). */
export async function flushPromises(): Promise<void> {
  for (let turn = 0; turn < 3; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when told: `advance(ms)` fires the timers due in order, at their own times, and
 * lets promise callbacks run between them; `stall(ms)` moves time without firing anything, as an event loop
 * that fell behind, so the next `advance(0)` fires the overdue timers late.
 */
export class ManualClock implements Clock {
  #now = 0;
  #sequence = 0;
  readonly #timers = new Map<number, { at: number; callback: () => unknown }>();

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => unknown, delayMs: number): TimerHandle {
    this.#sequence += 1;
    const id = this.#sequence;
    this.#timers.set(id, { at: this.#now + Math.max(0, delayMs), callback });
    return { cancel: () => this.#timers.delete(id) };
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  stall(ms: number): void {
    this.#now += ms;
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushPromises();
      let next: [number, { at: number; callback: () => unknown }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
    }
    this.#now = target;
    await flushPromises();
  }
}
