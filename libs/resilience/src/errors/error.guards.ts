import type { BrokenCircuitError } from './broken-circuit.error.ts';
import type { BulkheadRejectedError } from './bulkhead-rejected.error.ts';
import type { ResilienceError } from './resilience.error.ts';
import type { TaskCancelledError } from './task-cancelled.error.ts';
import type { TimeoutError } from './timeout.error.ts';

function branded(error: unknown, brand: string): boolean {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[brand] === true;
}

export const isResilienceError = (e: unknown): e is ResilienceError => branded(e, 'isResilienceError');
export const isBrokenCircuitError = (e: unknown): e is BrokenCircuitError =>
  branded(e, 'isBrokenCircuitError');
export const isBulkheadRejectedError = (e: unknown): e is BulkheadRejectedError =>
  branded(e, 'isBulkheadRejectedError');
export const isTimeoutError = (e: unknown): e is TimeoutError => branded(e, 'isTimeoutError');
export const isTaskCancelledError = (e: unknown): e is TaskCancelledError =>
  branded(e, 'isTaskCancelledError');

/**
 * True for an error that means "someone gave up", not "the dependency failed": a caller's cancellation, a DOM
 * `AbortError`, or an exceeded deadline. Such errors never trip breakers and are never retried by default.
 */
export function isCancellation(error: unknown): boolean {
  if (isTaskCancelledError(error)) return true;
  if (isTimeoutError(error)) return error.deadline;
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
