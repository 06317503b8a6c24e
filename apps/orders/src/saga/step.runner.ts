import type { Logger } from '@rebound/service-defaults';
import {
  type Clock,
  decorrelatedJitterBackoff,
  type Random,
  type RetryPolicy,
  retry,
  status,
} from '@rebound/service-defaults';
import type { Fence, SagaStep, StepOutcome } from '../orders/orders.repository.ts';

/** Codes that are a final answer: trying again cannot change them. Every other failure is an unknown outcome. */
const FINAL = new Set<number>([
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
  status.INVALID_ARGUMENT,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.OUT_OF_RANGE,
]);

export type StepResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly final: boolean; readonly code: number; readonly detail: string };

/** The checkpoint writes a step makes (the orders repository, or a fake in unit tests). */
export interface StepCheckpoints {
  recordStep(
    orderId: string,
    step: SagaStep,
    outcome: StepOutcome,
    detail?: string,
    tx?: undefined,
    fence?: Fence,
  ): Promise<void>;
  /** Records an UNKNOWN attempt; returns ms since the step's first unknown attempt (durable). */
  recordUnknown(orderId: string, step: SagaStep, detail: string, fence?: Fence): Promise<number>;
}

export interface StepOptions {
  /** Final answers that mean "nothing to do" (recorded SKIPPED and treated as success). */
  readonly skipOn?: ReadonlySet<number>;
  /** Checked first in every checkpoint transaction (a resumed saga's lease); a refusal aborts the step. */
  readonly fence?: Fence;
}

/** Codes that are a final answer, by name (checkpoint details start with `<NAME>: `). */
export function isFinalDetail(detail: string): boolean {
  const name = detail.split(':', 1)[0] ?? '';
  return [...FINAL].some((code) => status[code] === name);
}

const describe = (error: unknown): { code: number; detail: string } => {
  const code =
    typeof (error as { code?: unknown })?.code === 'number'
      ? (error as { code: number }).code
      : status.UNKNOWN;
  const detail = (error as { details?: unknown })?.details ?? (error as Error)?.message ?? String(error);
  return { code, detail: `${status[code] ?? code}: ${String(detail)}` };
};

/** A step that got a final answer (or one its caller skips on): never retried. */
class Answered extends Error {
  constructor(
    readonly code: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A step that stayed unknown for longer than its pause bound: the saga gives up on it and compensates. */
class PauseBoundReached extends Error {
  constructor(
    readonly code: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A checkpoint write failed (the orders database, or the fence): the saga stops here and recovery resumes it. */
class CheckpointFailed extends Error {}

export interface StepRunnerOptions {
  readonly clock: Clock;
  /** Jitter for the backoff; seed it per replica so paused sagas do not retry in lockstep. */
  readonly random: Random;
  /** Median first delay, then growing (decorrelated jitter) up to `maxDelayMs`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Runs saga steps with their outcomes recorded in `saga_steps`: STARTED per attempt, then SUCCEEDED, SKIPPED,
 * FAILED, or UNKNOWN for an attempt that got no answer (timeout, UNAVAILABLE, open breaker...). An unknown
 * outcome is a state, not a failure: the same idempotent request is sent again, through the resilience
 * library's retry policy (the one retry layer of the saga's calls: the clients under it do not retry), until it
 * gets an answer or the step has been unknown for longer than its pause bound. The bound is measured by the
 * database from the first unknown attempt, so it holds across restarts of the orchestrator.
 */
export class StepRunner {
  readonly #retry: RetryPolicy;
  readonly #checkpoints: StepCheckpoints;
  readonly #logger: Logger;

  constructor(checkpoints: StepCheckpoints, logger: Logger, options: StepRunnerOptions) {
    this.#checkpoints = checkpoints;
    this.#logger = logger;
    this.#retry = retry({
      maxRetries: Number.POSITIVE_INFINITY,
      backoff: decorrelatedJitterBackoff({
        baseMs: options.baseDelayMs ?? 100,
        maxMs: options.maxDelayMs ?? 2_000,
      }),
      clock: options.clock,
      random: options.random,
      retryOn: (error) =>
        !(
          error instanceof Answered ||
          error instanceof PauseBoundReached ||
          error instanceof CheckpointFailed
        ),
    });
  }

  /**
   * Runs `call` until it answers, or until the step has been unknown for `pauseBoundMs` (then FAILED, not
   * final). `signal` stops the retries (process shutdown): the step stays UNKNOWN and the error is thrown, so
   * the saga is left for recovery. A checkpoint write that fails is thrown too.
   */
  async run(
    orderId: string,
    step: SagaStep,
    call: () => Promise<unknown>,
    pauseBoundMs: number,
    options: StepOptions & { readonly signal?: AbortSignal } = {},
  ): Promise<StepResult> {
    const { fence, skipOn, signal } = options;
    const checkpoint = async <T>(write: () => Promise<T>): Promise<T> => {
      try {
        return await write();
      } catch (error) {
        throw new CheckpointFailed('saga checkpoint failed', { cause: error });
      }
    };
    let attempts = 0;
    try {
      await this.#retry.execute(
        async () => {
          attempts++;
          await checkpoint(() =>
            this.#checkpoints.recordStep(orderId, step, 'STARTED', '', undefined, fence),
          );
          try {
            await call();
          } catch (error) {
            const { code, detail } = describe(error);
            if (FINAL.has(code) || skipOn?.has(code)) throw new Answered(code, detail);
            const pausedMs = await checkpoint(() =>
              this.#checkpoints.recordUnknown(orderId, step, detail, fence),
            );
            if (pausedMs >= pauseBoundMs) throw new PauseBoundReached(code, detail);
            if (attempts === 1)
              this.#logger.info({ orderId, step, detail }, 'saga step outcome unknown; pausing');
            throw error;
          }
        },
        { idempotent: true, ...(signal && { signal }) },
      );
    } catch (error) {
      if (error instanceof CheckpointFailed) throw error.cause;
      if (error instanceof Answered && skipOn?.has(error.code)) {
        await this.#checkpoints.recordStep(orderId, step, 'SKIPPED', error.detail, undefined, fence);
        return { ok: true };
      }
      if (error instanceof Answered || error instanceof PauseBoundReached) {
        const final = error instanceof Answered;
        const detail = final
          ? error.detail
          : `${error.detail} (no answer for longer than the pause bound of ${pauseBoundMs} ms)`;
        await this.#checkpoints.recordStep(orderId, step, 'FAILED', detail, undefined, fence);
        this.#logger.warn({ orderId, step, code: error.code, detail, attempts }, 'saga step failed');
        return { ok: false, final, code: error.code, detail };
      }
      throw error; // stopped (shutdown): left UNKNOWN for recovery
    }
    await this.#checkpoints.recordStep(orderId, step, 'SUCCEEDED', '', undefined, fence);
    return { ok: true };
  }
}
