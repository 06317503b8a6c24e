import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import {
  gradient2Limit,
  isLoadShedError,
  type LoadSheddingPolicy,
  loadShedding,
  type Priority,
} from '@rebound/resilience';

export interface LoadShedderOptions {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  /** `overloaded` stays true this long after the last shed request (readiness does not flap). */
  readonly holdMs: number;
  /** Sheddable requests are refused while the event loop p99 delay of the last second is above this. */
  readonly eventLoopDelayMs: number;
}

/** Why a request was refused. */
export type ShedReason = 'concurrency' | 'event-loop';

export interface Admission {
  /** Call once the response is finished (success or not): frees the slot and feeds the latency to the limit. */
  release(): void;
}

export class ShedDecision {
  readonly reason: ShedReason;
  readonly retryAfterMs: number;

  constructor(reason: ShedReason, retryAfterMs: number) {
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

const LOOP_SAMPLE_MS = 1_000;
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * The edge's load shedding: an adaptive concurrency limit (Gradient2, from the resilience library) with
 * priority shares (sheddable reads go first, checkout last), plus the event loop delay: while the loop is late,
 * only critical requests are admitted, so that the process keeps answering instead of queueing to death.
 */
export class LoadShedder {
  readonly #policy: LoadSheddingPolicy;
  readonly #options: LoadShedderOptions;
  readonly #loop: ELDHistogram;
  readonly #timer: NodeJS.Timeout;
  #loopP99Ms = 0;
  #lastLoopShed = Number.NEGATIVE_INFINITY;

  constructor(options: LoadShedderOptions) {
    this.#options = options;
    this.#policy = loadShedding({
      limit: gradient2Limit({
        initialLimit: options.initialLimit,
        minLimit: options.minLimit,
        maxLimit: options.maxLimit,
      }),
      sheddingHoldMs: options.holdMs,
    });
    this.#loop = monitorEventLoopDelay({ resolution: 10 });
    this.#loop.enable();
    this.#timer = setInterval(() => {
      this.#loopP99Ms = this.#loop.percentile(99) / 1e6;
      this.#loop.reset();
    }, LOOP_SAMPLE_MS);
    this.#timer.unref();
  }

  /** Admits the request (resolves with a slot) or resolves with the reason it must be refused. */
  async admit(priority: Priority): Promise<Admission | ShedDecision> {
    if (
      priority !== 'critical' &&
      priority !== 'critical-plus' &&
      this.#loopP99Ms > this.#options.eventLoopDelayMs
    ) {
      this.#lastLoopShed = performance.now();
      return new ShedDecision('event-loop', Math.ceil(this.#loopP99Ms));
    }
    let release!: () => void;
    const finished = new Promise<void>((resolve) => {
      release = resolve;
    });
    let admitted!: (admission: Admission) => void;
    const started = new Promise<Admission>((resolve) => {
      admitted = resolve;
    });
    const run = this.#policy.execute(
      () => {
        admitted({ release });
        return finished;
      },
      { priority },
    );
    const refused = run.then(
      () => undefined,
      (error: unknown) =>
        isLoadShedError(error)
          ? new ShedDecision('concurrency', error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS)
          : undefined,
    );
    const first = await Promise.race([started, refused]);
    return first ?? (await started);
  }

  /** True while requests are being shed (and `holdMs` after): readiness reports not ready. */
  get overloaded(): boolean {
    return this.#policy.shedding || performance.now() - this.#lastLoopShed < this.#options.holdMs;
  }

  get inflight(): number {
    return this.#policy.inflight;
  }

  get limit(): number {
    return this.#policy.limit;
  }

  get eventLoopP99Ms(): number {
    return this.#loopP99Ms;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#loop.disable();
  }
}
