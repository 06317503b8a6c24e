import { TIMER_TOLERANCE_MS } from '../constants.ts';
import type { Clock, TimerHandle } from './system.clock.ts';
import { TimerQueue } from './timer.queue.ts';
import type { TimerNode, TimerTarget } from './timer-node.types.ts';

export type { TimerNode, TimerTarget } from './timer-node.types.ts';

/** One scheduled expiry in a {@link TimerList}. */
export class TimerEntry implements TimerNode {
  prev: TimerNode | undefined = undefined;
  next: TimerNode | undefined = undefined;
  due = 0;
  target: TimerTarget | undefined = undefined;
  /** Free slot for the owner (for example the pending promise of the timed call). */
  data: unknown = undefined;
}

/**
 * Expiries that all share one duration, kept in insertion order (which is also due order), in the way Node keeps
 * its own timer lists. Adding and removing are O(1) linked-list operations; a single unref'd clock timer is armed
 * for the head and re-armed only when it fires, so a call that finishes in time costs no `setTimeout` at all.
 */
export class TimerList extends TimerQueue {
  readonly #clock: Clock;
  readonly #durationMs: number;
  #timer: TimerHandle | undefined = undefined;
  readonly #fire = (): void => this.#onFire();

  constructor(clock: Clock, durationMs: number) {
    super();
    this.#clock = clock;
    this.#durationMs = durationMs;
  }

  /** Schedules `target.onTimer(entry)` `durationMs` from now. */
  add(target: TimerTarget, data?: unknown): TimerEntry {
    return this.insert(new TimerEntry(), target, data);
  }

  /**
   * Like {@link add}, for an entry the caller allocated (a per-call state object may extend `TimerEntry` and be
   * its own timer, saving an allocation). The entry must not be scheduled already.
   */
  insert<E extends TimerNode>(entry: E, target: TimerTarget, data?: unknown): E {
    entry.due = this.#clock.now() + this.#durationMs;
    entry.target = target;
    entry.data = data;
    this.append(entry);
    if (this.#timer === undefined) this.#timer = this.#clock.setTimer(this.#fire, this.#durationMs);
    return entry;
  }

  /** Cancels every entry and the clock timer without firing anything. */
  clear(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.unlinkAll();
  }

  #onFire(): void {
    this.#timer = undefined;
    this.expireUpTo(this.#clock.now() + TIMER_TOLERANCE_MS);
    const head = this.head;
    if (head !== undefined && this.#timer === undefined) {
      this.#timer = this.#clock.setTimer(this.#fire, Math.max(1, head.due - this.#clock.now()));
    }
  }
}
