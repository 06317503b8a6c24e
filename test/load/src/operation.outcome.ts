/**
 * How one operation ended, from the client's side:
 * - `ok`: 2xx (a checkout: its final answer, after following 202s);
 * - `shed`: 503 (load shedding, a dependency down, or an order state still unknown when the shopper gave up);
 * - `throttled`: 429 (the client's token bucket is empty);
 * - `blocked`: 403 (the edge blocked the client for abuse);
 * - `rejected`: any other 4xx (a bad request: expected from the bad-body client, a bug from a shopper);
 * - `failed`: any other 5xx, no answer (connection refused or reset, timeout), or a checkout still
 *   PENDING when the shopper stopped waiting;
 * - `dropped`: never sent, because `maxInFlight` operations were already running.
 */
export const OUTCOMES = ['ok', 'shed', 'throttled', 'blocked', 'rejected', 'failed', 'dropped'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The outcome of a final HTTP status. */
export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 503) return 'shed';
  if (status === 429) return 'throttled';
  if (status === 403) return 'blocked';
  if (status >= 400 && status < 500) return 'rejected';
  return 'failed';
}

export type OutcomeCounts = Record<Outcome, number>;

export const zeroCounts = (): OutcomeCounts => ({
  ok: 0,
  shed: 0,
  throttled: 0,
  blocked: 0,
  rejected: 0,
  failed: 0,
  dropped: 0,
});
