/** A zod-compatible schema (anything with `safeParse`) or a function returning an error message. */
export type Validator<T = unknown> =
  | ((request: T) => string | undefined)
  | {
      safeParse(
        input: unknown,
      ):
        | { success: true }
        | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
    };

/** Runs `validator`; returns a message naming every bad field, or `undefined` when the request is valid. */
export function validate(validator: Validator, request: unknown): string | undefined {
  if (typeof validator === 'function') return validator(request);
  const result = validator.safeParse(request);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
}

/** What the request deserializer returns instead of throwing, so the call ends as INVALID_ARGUMENT, not INTERNAL. */
export class MalformedRequest {
  readonly reason: string;

  constructor(error: unknown) {
    this.reason = error instanceof Error ? error.message : String(error);
  }
}
