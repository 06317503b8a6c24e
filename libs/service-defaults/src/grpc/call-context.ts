import { AsyncLocalStorage } from 'node:async_hooks';
import type { Metadata } from '@grpc/grpc-js';

/** What a handler knows about the call it serves. */
export interface CallContext {
  readonly method: string;
  readonly metadata: Metadata;
  /** Absolute deadline (ms since epoch), Infinity when the caller set none. */
  readonly deadline: number;
  /** Aborts when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  readonly idempotencyKey?: string;
}

const storage = new AsyncLocalStorage<CallContext>();

/** The incoming call being served (its deadline is propagated to outgoing calls). */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}

export function runInCall<T>(context: CallContext, work: () => T): T {
  return storage.run(context, work);
}
