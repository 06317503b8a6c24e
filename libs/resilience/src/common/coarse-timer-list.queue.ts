import type { Clock, TimerHandle } from './system.clock.ts';
import { TimerQueue } from './timer.queue.ts';
import type { TimerNode, TimerTarget } from './timer-list.queue.ts';

/**
 * Expiries sharing one duration, on a coarse tick: scheduling reads no clock at all (a clock read costs about
 * as much as an awaited no-op), which is what the timeout policy needs on its success path.
 *
 * While entries exist, one unref'd clock timer ticks every `resolutionMs`, and each tick counts a generation.
 * An entry records the generation it was added in and expires on the tick that is `ceil(duration/resolution)+1`
 * generations later: never before `durationMs` has passed, and at most about two resolutions after it. When the
 * list empties the tick stops, so an idle process has no timer at all.
 */
export class CoarseTimerList extends TimerQueue {
  readonly durationMs: number;
  readonly resolutionMs: number;
  readonly #clock: Clock;
  readonly #generations: number;
  readonly #span: number;
  #generation = 0;
  #generationStart = 0;
  #timer: TimerHandle | undefined = undefined;
  readonly #tick = (): void => this.#onTick();

  constructor(clock: Clock, durationMs: number, resolutionMs: number) {
    super();
    if (!(resolutionMs > 0)) throw new RangeError(`resolutionMs must be > 0, got ${resolutionMs}`);
    this.#clock = clock;
    this.durationMs = durationMs;
    this.resolutionMs = resolutionMs;
    this.#generations = Math.ceil(durationMs / resolutionMs) + 1;
    this.#span = this.#generations * resolutionMs;
  }

  /**
   * The clock time by which an entry added now will have expired (give or take timer lateness): use it as the
   * deadline of the work the entry guards.
   */
  get expiry(): number {
    if (this.#timer === undefined) return this.#clock.now() + this.#span;
    return this.#generationStart + this.#span;
  }

  /** Schedules `target.onTimer(data)` for `entry` about `durationMs` from now. `entry` must not be scheduled. */
  insert<E extends TimerNode>(entry: E, target: TimerTarget, data?: unknown): E {
    if (this.#timer === undefined) {
      this.#generationStart = this.#clock.now();
      this.#timer = this.#clock.setTimer(this.#tick, this.resolutionMs);
    }
    entry.due = this.#generation;
    entry.target = target;
    entry.data = data;
    this.append(entry);
    return entry;
  }

  /** Cancels every entry and the tick without firing anything. */
  clear(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.unlinkAll();
  }

  #onTick(): void {
    this.#timer = undefined;
    const generation = ++this.#generation;
    this.expireUpTo(generation - this.#generations);
    if (this.head !== undefined && this.#timer === undefined) {
      this.#generationStart = this.#clock.now();
      this.#timer = this.#clock.setTimer(this.#tick, this.resolutionMs);
    }
  }
}
