import { performance } from 'node:perf_hooks';

/**
 * Sheds when the process is CPU-saturated: samples the event-loop utilization (the share of time the loop was
 * busy, `performance.eventLoopUtilization()`) every `intervalMs` and reports `saturated` while it is above
 * `max`. A concurrency limit alone cannot do this for CPU-bound handlers: admitted work keeps the CPU at 100 %, the
 * cost of receiving and shedding the excess comes on top, and requests queue in the socket where no latency sample
 * sees them. Holding utilization under `max` leaves that headroom.
 */
export class EventLoopGate {
  readonly max: number;
  #saturated = false;
  #last = performance.eventLoopUtilization();
  readonly #timer: NodeJS.Timeout;

  constructor(max: number, intervalMs = 100) {
    this.max = max;
    this.#timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.#saturated = performance.eventLoopUtilization(now, this.#last).utilization > this.max;
      this.#last = now;
    }, intervalMs);
    this.#timer.unref();
  }

  get saturated(): boolean {
    return this.#saturated;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
