import type { Clock, TimerHandle } from '../common/system.clock.ts';

class FakeTimer implements TimerHandle {
  readonly due: number;
  readonly seq: number;
  #clock: FakeClock | undefined;
  readonly #callback: () => unknown;

  constructor(clock: FakeClock, due: number, seq: number, callback: () => unknown) {
    this.#clock = clock;
    this.due = due;
    this.seq = seq;
    this.#callback = callback;
  }

  cancel(): void {
    const clock = this.#clock;
    this.#clock = undefined;
    clock?.unschedule(this);
  }

  fire(): unknown {
    this.#clock = undefined;
    return this.#callback();
  }
}

/** Resolves after every queued promise job (and the jobs they queue) has run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manual {@link Clock} for tests: time stands still until `advance()` or `tick()` moves it, and timers fire in
 * due order (ties in scheduling order). Use `tick()` in async tests: it lets promise chains run between timers.
 *
 * @example
 * const clock = new FakeClock();
 * const breaker = circuitBreaker({ clock, openMs: 1000 });
 * await clock.tick(1000);
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => unknown, delayMs: number): TimerHandle {
    const timer = new FakeTimer(this, this.#now + Math.max(0, delayMs), this.#seq++, callback);
    const timers = this.#timers;
    let lo = 0;
    let hi = timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timers[mid]!.due <= timer.due) lo = mid + 1;
      else hi = mid;
    }
    timers.splice(lo, 0, timer);
    return timer;
  }

  /** Timers scheduled and neither fired nor cancelled (a leak check for tests). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the next pending timer, or `undefined`. */
  get nextDue(): number | undefined {
    return this.#timers[0]?.due;
  }

  /** @internal */
  unschedule(timer: FakeTimer): void {
    const index = this.#timers.indexOf(timer);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** Moves time forward by `ms`, firing due timers synchronously in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.due > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.due);
      next.fire();
    }
    this.#now = target;
  }

  /** Moves time forward by `ms`, letting promise jobs run before and after every timer that fires. */
  tick(ms: number): Promise<void> {
    return this.#run(ms, false);
  }

  /**
   * Like `tick`, but each fired timer's returned promise (a lease renewal's round trip to a real database) is
   * awaited before the next timer fires, as real time would pass while it ran. Its rejection is left to the code
   * under test to report.
   */
  tickAwaiting(ms: number): Promise<void> {
    return this.#run(ms, true);
  }

  /** Moves time on without firing anything, as a blocked event loop would: the next `tick` fires the overdue timers late. */
  jump(ms: number): void {
    this.#now += ms;
  }

  async #run(ms: number, awaitCallbacks: boolean): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.due > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.due);
      const result = next.fire();
      if (awaitCallbacks) await Promise.resolve(result).catch(() => {});
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}
