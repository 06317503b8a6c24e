import { performance } from 'node:perf_hooks';

/** What {@link LoopLagMonitor} reads and schedules; real by default, faked in tests. */
export interface LoopLagSources {
  /** Milliseconds of CPU this thread has used (`process.threadCpuUsage()`, user + system). */
  cpuTime(): number;
  /** Cumulative milliseconds the event loop spent waiting for I/O (`performance.nodeTiming.idleTime`). */
  idleTime(): number;
  /** Runs `callback` once in this loop turn's check phase (`setImmediate`). */
  schedule(callback: () => void): void;
}

const nodeSources: LoopLagSources = {
  cpuTime: () => {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1_000;
  },
  idleTime: () => performance.nodeTiming.idleTime,
  schedule: (callback) => {
    setImmediate(callback);
  },
};

/**
 * Estimates how long a request that is being handled now waited *before* grpc-js saw it: bytes that arrive while
 * the event loop runs other work stay in the socket until the loop polls again, and the responses of work admitted
 * in one turn leave only when that turn ends. No timestamp in the process sees that wait; the loop's busy time does.
 *
 * The first call of a loop turn (`waitedMs()`) arms one `setImmediate` mark; the estimate is the CPU time the
 * loop's thread used since the last mark, and, when the loop has not waited for I/O since then, at least the CPU
 * time of the turn before (handlers that block the loop synchronously do it before the mark). Marks are armed only
 * by incoming calls, so an idle server schedules nothing, and idle time never counts as waiting; but after seconds
 * without calls the last mark is old, and the CPU the process's timers and pollers used meanwhile reads as a
 * wait. `restedMs` says how long the loop waited for I/O between the last turn with calls and this one, so that
 * admission can tell a queue that drained (nothing was queued while the loop slept) from one that stood. CPU time, not wall time: what this process's own work costs the requests behind it, which
 * is what admitting less can fix; time the process spends descheduled on a busy machine is left out on purpose
 * (it would make a test process on a loaded CI box shed its own calls). It is an estimate: right for the request
 * that arrived first in a batch, an overestimate for the last.
 */
export class LoopLagMonitor {
  readonly #sources: LoopLagSources;
  #armed = false;
  #cpuAtMark = Number.NaN;
  #idleAtMark = 0;
  #lastTurnBusy = 0;
  /** The estimate for the current turn, computed once at its first call. */
  #current = 0;
  /** Milliseconds the loop waited for I/O between the last mark and the current turn's first call. */
  #rested = 0;
  #turn = 0;
  readonly #mark = (): void => {
    this.#armed = false;
    const cpu = this.#sources.cpuTime();
    if (!Number.isNaN(this.#cpuAtMark)) this.#lastTurnBusy = cpu - this.#cpuAtMark;
    this.#cpuAtMark = cpu;
    this.#idleAtMark = this.#sources.idleTime();
  };

  constructor(sources: LoopLagSources = nodeSources) {
    this.#sources = sources;
  }

  /** Counts the loop turns in which calls arrived; the turn of the last `waitedMs()`. */
  get turn(): number {
    return this.#turn;
  }

  /** Milliseconds the loop waited for I/O between the last turn with calls and this one (0 before any). */
  get restedMs(): number {
    return this.#rested;
  }

  /** Milliseconds a request handled now probably waited in the socket and the loop before reaching this process. */
  waitedMs(): number {
    if (this.#armed) return this.#current;
    this.#armed = true;
    this.#turn++;
    this.#sources.schedule(this.#mark);
    const cpu = this.#sources.cpuTime();
    const idle = this.#sources.idleTime();
    if (Number.isNaN(this.#cpuAtMark)) {
      // The first call: nothing known before it; measure its turn from here.
      this.#cpuAtMark = cpu;
      this.#idleAtMark = idle;
      this.#current = 0;
      return 0;
    }
    const busy = cpu - this.#cpuAtMark;
    const rested = idle - this.#idleAtMark;
    this.#rested = rested;
    // The loop has not waited for I/O since the last mark: what ran before that mark in its turn counts too.
    this.#current = rested < 1 ? Math.max(busy, this.#lastTurnBusy) : busy;
    return this.#current;
  }
}
