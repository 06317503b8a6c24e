import { setImmediate as tick } from 'node:timers/promises';
import type { Clock, TimerHandle } from '@rebound/resilience';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => unknown;
  cancelled: boolean;
}

/** A clock moved by hand. `advance` fires due timers in order and lets promise chains run between them. */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: Pending[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => unknown, delayMs: number): TimerHandle {
    const timer: Pending = {
      at: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }

  /** Moves time on WITHOUT firing timers, as a blocked event loop would; the next `advance` fires them late. */
  jump(ms: number): void {
    this.#now += ms;
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#timers = this.#timers.filter((timer) => !timer.cancelled);
      const next = this.#timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets every pending promise continuation run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}
