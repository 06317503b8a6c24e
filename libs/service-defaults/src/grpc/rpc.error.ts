import { status } from '@grpc/grpc-js';
import { RpcError } from '@rebound/rpc';
import type { z } from 'zod';

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
