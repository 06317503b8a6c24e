import { z } from 'zod';
import { baseConfigShape } from '../config/service.config.ts';

const port = z.coerce
  .number()
  .int('expected an integer port')
  .min(0, 'expected a port between 0 and 65535')
  .max(65_535, 'expected a port between 0 and 65535');

/** The environment of an HTTP service: the shared contract plus its traffic port and body limit. */
export const httpConfigShape = {
  ...baseConfigShape,
  HTTP_PORT: port.default(0),
  /** Largest request body accepted (bytes). */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int('expected an integer')
    .min(1, 'expected at least 1')
    .default(16_384),
} as const;

/** `httpConfigSchema.extend({...})` is an HTTP service's schema, as `baseConfigSchema.extend` is a gRPC one's. */
export const httpConfigSchema = z.object(httpConfigShape);

export type HttpConfig = z.infer<typeof httpConfigSchema>;
