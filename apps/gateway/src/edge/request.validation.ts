import type { z } from 'zod';
import { type FieldProblem, HttpError } from './http.error.ts';

/** Parses `value` with `schema`; a bad value is a 400 naming every bad field (`lines.0.quantity: ...`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: FieldProblem[] = result.error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(root)',
    message: issue.message,
  }));
  const summary = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
  throw new HttpError(400, 'bad_request', `invalid ${what}: ${summary}`, { details });
}
