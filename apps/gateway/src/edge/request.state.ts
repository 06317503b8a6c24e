import type { FastifyRequest, Logger } from '@rebound/service-defaults';

/** What the edge learned about a request before the route runs. */
export interface RequestState {
  readonly requestId: string;
  readonly started: number;
  readonly logger: Logger;
  /** The authenticated client (undefined off /api, or before authentication). */
  client: string | undefined;
  /** Why the request failed, in one short line (e.g. `UNAVAILABLE: No connection established`), for its log line. */
  cause?: string;
  /** The failure was already logged (an unhandled error, with its stack): the response line is not repeated. */
  logged?: boolean;
}

const states = new WeakMap<FastifyRequest, RequestState>();

export function setRequestState(request: FastifyRequest, state: RequestState): void {
  states.set(request, state);
}

export function requestStateOf(request: FastifyRequest): RequestState {
  const state = states.get(request);
  if (state === undefined) throw new Error('request did not pass the edge hooks');
  return state;
}

export function maybeRequestStateOf(request: FastifyRequest): RequestState | undefined {
  return states.get(request);
}
