import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type { RequestContext } from '@rebound/observability';
import type { Priority } from '@rebound/resilience';
import { parseTraceparent } from '../common/call.context.ts';
import type { HandlerContext } from './handler.context.ts';

/**
 * One call being served, as its handler, the logger and outgoing clients see it. What a handler may never read
 * is made on first use: the `AbortController` (an EventTarget, the dearest object of a call), the request id
 * when none came in, and the trace ids. An echo handler pays for none of them.
 */
export class IncomingCall implements HandlerContext, RequestContext {
  readonly path: string;
  readonly metadata: Metadata;
  readonly deadline: number;
  readonly priority: Priority | undefined;
  readonly traceparent: string | undefined;
  readonly idempotencyKey: string | undefined;
  #requestId: string | undefined;
  #trace: { traceId: string; spanId: string } | undefined | null = null;
  #controller: AbortController | undefined = undefined;
  #aborted = false;
  #abortReason: unknown = undefined;

  constructor(
    path: string,
    metadata: Metadata,
    deadline: number,
    priority: Priority | undefined,
    requestId: string | undefined,
    traceparent: string | undefined,
    idempotencyKey: string | undefined,
  ) {
    this.path = path;
    this.metadata = metadata;
    this.deadline = deadline;
    this.priority = priority;
    this.#requestId = requestId;
    this.traceparent = traceparent;
    this.idempotencyKey = idempotencyKey;
  }

  /** The caller's request id, or one made for this call when it came without. */
  get requestId(): string {
    this.#requestId ??= randomUUID();
    return this.#requestId;
  }

  get traceId(): string | undefined {
    return this.#parsedTrace()?.traceId;
  }

  get spanId(): string | undefined {
    return this.#parsedTrace()?.spanId;
  }

  /** Fires when the deadline passes, the caller cancels, or the server drains past its bound. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Ends the call's work: its signal (read already or later) is aborted with `reason`. First reason wins. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  #parsedTrace(): { traceId: string; spanId: string } | undefined {
    if (this.#trace === null) this.#trace = parseTraceparent(this.traceparent);
    return this.#trace;
  }
}
