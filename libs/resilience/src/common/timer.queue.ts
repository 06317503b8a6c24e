import type { TimerNode } from './timer-node.types.ts';

/**
 * The intrusive list both timer lists keep their entries in: insertion order is due order, so appending, removing
 * and expiring from the head are all O(1) pointer work with no allocation. Subclasses decide what "due" means
 * (a clock time, a tick generation) and when the clock timer runs.
 */
export abstract class TimerQueue {
  #head: TimerNode | undefined = undefined;
  #tail: TimerNode | undefined = undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  protected get head(): TimerNode | undefined {
    return this.#head;
  }

  protected append(entry: TimerNode): void {
    const tail = this.#tail;
    if (tail === undefined) this.#head = entry;
    else {
      tail.next = entry;
      entry.prev = tail;
    }
    this.#tail = entry;
    this.#size++;
  }

  /** Unschedules `entry`; harmless if it already fired or was removed. */
  remove(entry: TimerNode): void {
    if (entry.target === undefined) return;
    entry.target = undefined;
    entry.data = undefined;
    const { prev, next } = entry;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    entry.prev = entry.next = undefined;
    this.#size--;
  }

  /** Forgets every entry without firing it. */
  protected unlinkAll(): void {
    let entry = this.#head;
    while (entry !== undefined) {
      const next = entry.next;
      entry.target = undefined;
      entry.prev = entry.next = undefined;
      entry = next;
    }
    this.#head = this.#tail = undefined;
    this.#size = 0;
  }

  /** Fires, in order, every entry whose `due` is at most `limit`. A target may add or remove entries meanwhile. */
  protected expireUpTo(limit: number): void {
    let entry = this.#head;
    while (entry !== undefined && entry.due <= limit) {
      const target = entry.target!;
      const data = entry.data;
      this.remove(entry);
      target.onTimer(data);
      entry = this.#head;
    }
  }
}
