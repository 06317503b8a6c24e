import type { Clock } from '@rebound/resilience';
import { errorReason, type HttpRequest, type HttpResponse, type Transport } from './http.transport.ts';
import type { CheckoutCounters } from './load.stats.ts';
import { type Outcome, outcomeOf } from './operation.outcome.ts';
import type { Random } from './seeded.random.ts';
import { sleep } from './sleep.util.ts';

export interface CheckoutLimits {
  /** Follow-up requests (polls of `Location`, re-sends) before the shopper gives up. */
  readonly maxFollowUps: number;
  /** Time from the first request after which the shopper stops waiting for a final answer. */
  readonly maxWaitMs: number;
  /** A `Retry-After` longer than this is shortened to it. */
  readonly maxRetryAfterMs: number;
  /** A seeded think time of up to this long is added to every wait, so shoppers do not poll in step. */
  readonly thinkMs: number;
}

export const DEFAULT_CHECKOUT_LIMITS: CheckoutLimits = {
  maxFollowUps: 30,
  maxWaitMs: 30_000,
  maxRetryAfterMs: 10_000,
  thinkMs: 500,
};

export interface CheckoutContext {
  readonly send: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: CheckoutLimits;
  readonly counters: CheckoutCounters;
  /** Aborted when the run stops: waits end at once and the checkout gives up. */
  readonly signal?: AbortSignal;
}

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
}

export interface CheckoutResult {
  readonly outcome: Outcome;
  /** The final HTTP status, if there was an answer. */
  readonly status?: number;
  readonly orderId?: string;
  /** CONFIRMED, CANCELLED or PENDING (gave up), as the last answer said. */
  readonly orderStatus?: string;
  readonly reason?: string;
}

/** Seconds of a `Retry-After` header (delta-seconds or an HTTP date), in ms; 1 s when absent or unreadable. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, nowMs = Date.now()): number {
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return 1_000;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - nowMs);
}

const orderOf = (answer: HttpResponse) =>
  (answer.body as { order?: { id?: unknown; status?: unknown } } | undefined)?.order;
const errorOf = (answer: HttpResponse) => (answer.body as { error?: unknown } | undefined)?.error;

/** The path and query of a `Location` (absolute or relative to the target). */
function pathOf(location: string): string {
  const url = new URL(location, 'http://target.invalid');
  return `${url.pathname}${url.search}`;
}

/**
 * Places one order as a careful client does, following the contract of `POST /api/orders`
 * (docs/checkout.md):
 * - 201 (or 200): final, CONFIRMED or CANCELLED;
 * - 202 Accepted: the order is PENDING: wait `Retry-After`, then `GET` its `Location` until it is final
 *   (a poll answered 503 or 429 is waited out and repeated: the order exists);
 * - 503 `order_state_unknown`, or no answer at all: the order may exist: wait `Retry-After` (1 s without
 *   one) and re-send the same request with the same `Idempotency-Key`;
 * - anything else is final as it is (429 throttled, 503 shed, 4xx).
 * Bounded by `limits`; every wait runs on the injected clock.
 */
export async function placeOrder(
  context: CheckoutContext,
  apiKey: string,
  lines: readonly OrderLine[],
  idempotencyKey: string,
): Promise<CheckoutResult> {
  const { clock, counters, limits, signal } = context;
  const started = clock.now();
  const post: HttpRequest = {
    method: 'POST',
    path: '/api/orders',
    headers: {
      'x-api-key': apiKey,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify({ lines }),
  };
  let location: string | undefined;
  let followUps = 0;
  let accepted = false;

  /** Waits before a follow-up; false when the shopper gives up instead. */
  const waitBefore = async (answer: HttpResponse | undefined): Promise<boolean> => {
    followUps += 1;
    const hinted = answer === undefined ? 1_000 : retryAfterMs(answer.headers);
    const delay = Math.min(hinted, limits.maxRetryAfterMs) + context.random() * limits.thinkMs;
    if (followUps > limits.maxFollowUps || clock.now() + delay - started > limits.maxWaitMs) return false;
    await sleep(clock, delay, signal);
    return signal?.aborted !== true;
  };
  const poll = (path: string): HttpRequest => ({ method: 'GET', path, headers: { 'x-api-key': apiKey } });
  const send = async (request: HttpRequest): Promise<HttpResponse | Error> => {
    try {
      return await context.send(request);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  let answer = await send(post);
  for (;;) {
    if (answer instanceof Error) {
      // No answer: the request may or may not have landed. The same key makes a re-send (or a poll) safe.
      if (!(await waitBefore(undefined))) {
        if (location !== undefined) counters.gaveUpPending += 1;
        else counters.gaveUpUnknown += 1;
        return { outcome: 'failed', reason: errorReason(answer) };
      }
      if (location === undefined) counters.resends += 1;
      else counters.polls += 1;
      answer = await send(location === undefined ? post : poll(location));
      continue;
    }
    const order = orderOf(answer);
    const orderId = typeof order?.id === 'string' ? order.id : undefined;
    const orderStatus = typeof order?.status === 'string' ? order.status : undefined;
    const pending = answer.status === 202 || (answer.status < 300 && orderStatus === 'PENDING');
    if (pending) {
      if (!accepted) counters.accepted += 1;
      accepted = true;
      const header = answer.headers.location;
      location = header !== undefined ? pathOf(header) : (location ?? (orderId && `/api/orders/${orderId}`));
      if (location === undefined) {
        return { outcome: 'failed', status: answer.status, reason: '202 without Location' };
      }
      if (!(await waitBefore(answer))) {
        counters.gaveUpPending += 1;
        return {
          outcome: 'failed',
          status: answer.status,
          ...(orderId ? { orderId } : {}),
          orderStatus: 'PENDING',
          reason: 'still PENDING when the shopper stopped waiting',
        };
      }
      counters.polls += 1;
      answer = await send(poll(location));
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) {
      if (orderStatus === 'CONFIRMED') counters.confirmed += 1;
      if (orderStatus === 'CANCELLED') counters.cancelled += 1;
      return {
        outcome: 'ok',
        status: answer.status,
        ...(orderId ? { orderId } : {}),
        ...(orderStatus ? { orderStatus } : {}),
      };
    }
    const unknownState = answer.status === 503 && errorOf(answer) === 'order_state_unknown';
    const pollRefused = location !== undefined && (answer.status === 503 || answer.status === 429);
    if (unknownState || pollRefused) {
      if (!(await waitBefore(answer))) {
        if (unknownState) counters.gaveUpUnknown += 1;
        else counters.gaveUpPending += 1;
        return { outcome: outcomeOf(answer.status), status: answer.status, reason: reasonOf(answer) };
      }
      if (unknownState) {
        counters.resends += 1;
        answer = await send(post);
      } else {
        counters.polls += 1;
        answer = await send(poll(location as string));
      }
      continue;
    }
    return { outcome: outcomeOf(answer.status), status: answer.status, reason: reasonOf(answer) };
  }
}

/** `503 overloaded`, `400 bad_request`: the status and the error code of a refusal. */
export function reasonOf(answer: HttpResponse): string {
  const code = errorOf(answer);
  return typeof code === 'string' ? `${answer.status} ${code}` : String(answer.status);
}
