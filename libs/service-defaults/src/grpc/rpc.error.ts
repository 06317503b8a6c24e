import { status } from '@grpc/grpc-js';
import type { z } from 'zod';

/** An error that becomes a gRPC status: handlers throw it for final answers (NOT_FOUND, FAILED_PRECONDITION...). */
export class RpcError extends Error {
  override name = 'RpcError';
  readonly isRpcError = true;
  readonly code: status;

  constructor(code: status, message: string) {
    super(message);
    this.code = code;
  }
}

export function isRpcError(error: unknown): error is RpcError {
  return (
    typeof error === 'object' && error !== null && (error as { isRpcError?: unknown }).isRpcError === true
  );
}

/** The shape of an error coming back from a grpc-js client call. */
export interface GrpcCallError extends Error {
  readonly code: status;
  readonly details: string;
}

export function isGrpcCallError(error: unknown): error is GrpcCallError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'number' &&
    typeof (error as { details?: unknown }).details === 'string'
  );
}

/**
 * Parses a request with a zod schema; a bad request is `INVALID_ARGUMENT` naming every bad field
 * (`lines.0.quantity: expected at least 1`).
 */
export function validateRequest<S extends z.ZodType>(schema: S, request: unknown): z.infer<S> {
  const result = schema.safeParse(request);
  if (result.success) return result.data;
  const message = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
  throw new RpcError(status.INVALID_ARGUMENT, message);
}
