/** Receives a timer expiry; an object rather than a closure so scheduling allocates nothing per call. */
export interface TimerTarget {
  /** Called once at expiry with the `data` given to {@link TimerList.add}. */
  onTimer(data: unknown): void;
}

/**
 * The fields a timer list links through. {@link TimerEntry} is the ready-made one; a per-call state object can
 * carry these fields itself and be its own entry, saving an allocation.
 */
export interface TimerNode {
  prev: TimerNode | undefined;
  next: TimerNode | undefined;
  due: number;
  target: TimerTarget | undefined;
  data: unknown;
}
