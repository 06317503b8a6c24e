import { z } from 'zod';
import { DEFAULT_ADMIN_TOKEN } from '../constants.ts';

const port = z.coerce
  .number()
  .int('expected an integer port')
  .min(0, 'expected a port between 0 and 65535')
  .max(65_535, 'expected a port between 0 and 65535');

const millis = z.coerce.number().int().min(0, 'expected a duration in ms (>= 0)');

/** `host:port,host:port` → a non-empty list; every entry must name a port. */
export const addressList = z
  .string()
  .trim()
  .min(1, 'expected host:port[,host:port...]')
  .transform((value) => value.split(',').map((entry) => entry.trim()))
  .refine(
    (list) => list.every((entry) => /^[^\s:]+:\d{1,5}$/.test(entry)),
    'expected host:port[,host:port...]',
  );

/** The environment contract every service receives from `infra/local` (and Kubernetes). */
export const baseConfigShape = {
  SERVICE_NAME: z.string().min(1).optional(),
  SERVICE_INSTANCE: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  GRPC_PORT: port.default(0),
  ADMIN_PORT: port.default(0),
  DATA_DIR: z.string().min(1).optional(),
  KAFKA_BROKERS: z.string().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  ADMIN_TOKEN: z.string().min(8, 'expected at least 8 characters').default(DEFAULT_ADMIN_TOKEN),
  /** Wait after readiness turns false before draining (load balancers notice). */
  SHUTDOWN_DRAIN_DELAY_MS: millis.default(1_000),
  /** Bound on draining in-flight calls. */
  SHUTDOWN_DRAIN_TIMEOUT_MS: millis.default(10_000),
  /** Readiness fails while the event loop p99 delay is above this. */
  OVERLOAD_EVENT_LOOP_DELAY_MS: millis.default(250),
} as const;

export const baseConfigSchema = z.object(baseConfigShape);

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Thrown by {@link loadConfig}; its message is the one line the process prints before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates `env` against `schema` (usually `baseConfigSchema.extend({...})`). Every bad variable is named on
 * one line: `invalid configuration: GRPC_PORT: expected a port between 0 and 65535 (got "99999")`.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const raw = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    const got = raw === undefined ? 'missing' : `got ${JSON.stringify(raw)}`;
    return `${name}: ${issue.message} (${got})`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
