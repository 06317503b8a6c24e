import { codeName, isStatusError, retryAfterMs, status } from '@rebound/service-defaults';
import { HttpError } from './http.error.ts';

/**
 * Maps a failed gRPC call to the HTTP answer a client can act on: the caller's mistakes stay 4xx, a dependency
 * in trouble is 503 (retry later, with `Retry-After`) or 504 (deadline), anything unexpected is 502.
 */
export function httpErrorFromRpc(error: unknown, dependency: string): HttpError {
  if (!isStatusError(error)) {
    return new HttpError(
      502,
      'bad_gateway',
      `${dependency} failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  const details = error.details || codeName(error.code);
  switch (error.code) {
    case status.NOT_FOUND:
      return new HttpError(404, 'not_found', details);
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return new HttpError(400, 'bad_request', details);
    case status.FAILED_PRECONDITION:
      return new HttpError(422, 'unprocessable', details);
    case status.ALREADY_EXISTS:
    case status.ABORTED:
      return new HttpError(409, 'conflict', details);
    case status.RESOURCE_EXHAUSTED:
    case status.UNAVAILABLE: {
      const after = retryAfterMs(error) ?? 1_000;
      return new HttpError(503, 'unavailable', `${dependency} is unavailable; retry later`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(after / 1000))) },
        cause: error,
      });
    }
    case status.DEADLINE_EXCEEDED:
      return new HttpError(504, 'deadline_exceeded', `${dependency} did not answer in time`, {
        cause: error,
      });
    default:
      return new HttpError(502, 'bad_gateway', `${dependency} failed (${codeName(error.code)})`, {
        cause: error,
      });
  }
}

/** Codes that say the dependency (not the request) failed: the catalog fallback answers these. */
export function isDependencyFailure(error: unknown): boolean {
  if (!isStatusError(error)) return true;
  return (
    error.code === status.UNAVAILABLE ||
    error.code === status.DEADLINE_EXCEEDED ||
    error.code === status.RESOURCE_EXHAUSTED ||
    error.code === status.INTERNAL ||
    error.code === status.UNKNOWN ||
    error.code === status.CANCELLED ||
    error.code === status.DATA_LOSS ||
    error.code === status.UNIMPLEMENTED
  );
}
