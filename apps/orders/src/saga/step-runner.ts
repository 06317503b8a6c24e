import { status } from '@grpc/grpc-js';
import type { Logger } from '@rebound/observability';
import type { Fence, OrdersRepository, SagaStep } from '../orders/orders.repository.ts';

/** Codes that are a final answer: trying again cannot change them. */
const FINAL = new Set<number>([
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
  status.INVALID_ARGUMENT,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
]);

export type StepResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly final: boolean; readonly code: number; readonly detail: string };

export interface StepOptions {
  /** Keep retrying transient failures until this much time has passed. */
  readonly deadlineMs: number;
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

/**
 * Runs one saga step with its outcome recorded in `saga_steps`: STARTED per attempt, then SUCCEEDED,
 * SKIPPED or FAILED. Transient failures (UNAVAILABLE, DEADLINE_EXCEEDED, an open breaker...) are retried with
 * capped exponential backoff until the step's deadline: every call is idempotent by its derived key.
 */
export async function runStep(
  repository: OrdersRepository,
  logger: Logger,
  orderId: string,
  step: SagaStep,
  call: () => Promise<unknown>,
  options: StepOptions,
): Promise<StepResult> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 0; ; attempt++) {
    await repository.recordStep(orderId, step, 'STARTED', '', undefined, options.fence);
    try {
      await call();
      await repository.recordStep(orderId, step, 'SUCCEEDED', '', undefined, options.fence);
      return { ok: true };
    } catch (error) {
      const { code, detail } = describe(error);
      if (options.skipOn?.has(code)) {
        await repository.recordStep(orderId, step, 'SKIPPED', detail, undefined, options.fence);
        return { ok: true };
      }
      const final = FINAL.has(code);
      const backoffMs = Math.min(1_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (final || Date.now() + backoffMs >= deadline) {
        await repository.recordStep(orderId, step, 'FAILED', detail, undefined, options.fence);
        logger.warn({ orderId, step, code, detail, attempts: attempt + 1 }, 'saga step failed');
        return { ok: false, final, code, detail };
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}
