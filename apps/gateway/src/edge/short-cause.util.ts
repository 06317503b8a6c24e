/** `UNAVAILABLE: No connection established` for a gRPC error; the first line of any other message; at most 200 characters. */
export function shortCause(cause: unknown): string {
  const grpc = cause as { code?: unknown; details?: unknown } | undefined;
  const text =
    typeof grpc?.details === 'string' && typeof grpc.code === 'number'
      ? `${GRPC_CODE_NAMES[grpc.code] ?? grpc.code}: ${grpc.details}`
      : cause instanceof Error
        ? cause.message
        : String(cause);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

const GRPC_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};
