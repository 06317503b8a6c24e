import { ConfigError } from '@rebound/observability';
import { z } from 'zod';
import { DEFAULT_ADMIN_TOKEN } from '../constants.ts';
import { behaviourVariable } from '../profile/behaviour.profile.ts';

const port = z.coerce
  .number()
  .int('expected an integer port')
  .min(0, 'expected a port between 0 and 65535')
  .max(65_535, 'expected a port between 0 and 65535');

const millis = z.coerce.number().int().min(0, 'expected a duration in ms (>= 0)');

const ADDRESS_LIST_HINT = 'expected host:port[,host:port...] or one dns:///name:port';
const HOST_PORT = /^[^\s:,/]+:(\d{1,5})$/;
/** A DNS name (letters, digits, `-`, `.`) and a port; no authority (`dns://authority/...`), no list. */
const DNS_TARGET = /^dns:\/\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
/** An endpoints file the local supervisor keeps (one `host:port` per serving replica), re-read every second. */
const FILE_TARGET = /^file:\/\/\/[^,\s]+$/;
const validPort = (digits: string | undefined): boolean => {
  const n = Number(digits);
  return Number.isInteger(n) && n >= 1 && n <= 65_535;
};

/**
 * Where a service's calls to a peer go, in the shape `createRpcClient`'s `target` takes (`Target` of
 * `@rebound/rpc`):
 * - `host:port[,host:port...]` → a list of fixed replicas (the local runtime's topology);
 * - `file:///abs/path` → that string: the local supervisor's endpoints file of the peer, re-read every second, so a
 *   rollout's new replicas receive calls and retired ones stop receiving them (infra/local rollouts);
 * - `dns:///name:port` → that string, which `@rebound/rpc` resolves again and again to every A/AAAA record, one
 *   endpoint per pod behind a Kubernetes headless Service, balanced round robin with outlier ejection.
 *
 * A `dns:///` target stands alone: two of them, or one mixed into a host list, are refused (a list entry would
 * become one grpc-js channel pinned to a single pod).
 */
export const addressList = z
  .string({ error: ADDRESS_LIST_HINT })
  .trim()
  .min(1, ADDRESS_LIST_HINT)
  .transform((value, ctx): string | string[] => {
    if (value.startsWith('file:')) {
      if (!FILE_TARGET.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'expected file:///absolute/path of an endpoints file' });
        return z.NEVER;
      }
      return value;
    }
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.some((entry) => entry.startsWith('dns:'))) {
      if (entries.length > 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'a dns:/// target stands alone: expected one dns:///name:port',
        });
        return z.NEVER;
      }
      const match = DNS_TARGET.exec(value);
      if (match === null || !validPort(match[2])) {
        ctx.addIssue({ code: 'custom', message: 'expected dns:///name:port (port 1-65535)' });
        return z.NEVER;
      }
      return value;
    }
    if (!entries.every((entry) => validPort(HOST_PORT.exec(entry)?.[1]))) {
      ctx.addIssue({ code: 'custom', message: ADDRESS_LIST_HINT });
      return z.NEVER;
    }
    return entries;
  });

/** What {@link addressList} produces: a `dns:///name:port` string or a list of `host:port`. */
export type AddressList = z.infer<typeof addressList>;

/** The environment contract every service receives from `infra/local` (and Kubernetes). */
export const baseConfigShape = {
  SERVICE_NAME: z.string().min(1).optional(),
  SERVICE_INSTANCE: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  GRPC_PORT: port.default(0),
  ADMIN_PORT: port.default(0),
  DATA_DIR: z.string().min(1).optional(),
  /**
   * Where the degradation flags are kept for every replica of the service (infra/local gives them all
   * `.data/degradation/<service>`); unset, the flags live in the process and a restart clears them.
   */
  DEGRADATION_DIR: z.string().min(1).optional(),
  /**
   * On Kubernetes, where a service's pods share no disk: the ConfigMap (in the pod's namespace) that keeps the
   * flags for every pod, reached through the API with the pod's service account. Not with `DEGRADATION_DIR`.
   */
  DEGRADATION_CONFIGMAP: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a Kubernetes object name')
    .optional(),
  /** The API through `kubectl proxy` (`http://127.0.0.1:8001`) for a service run outside the cluster. */
  KUBE_API_URL: z.url().optional(),
  KAFKA_BROKERS: z.string().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  ADMIN_TOKEN: z.string().min(8, 'expected at least 8 characters').default(DEFAULT_ADMIN_TOKEN),
  /** Wait after readiness turns false before draining (load balancers notice). */
  SHUTDOWN_DRAIN_DELAY_MS: millis.default(1_000),
  /** Bound on draining in-flight calls. */
  SHUTDOWN_DRAIN_TIMEOUT_MS: millis.default(10_000),
  /**
   * The overload signal's bound: over it (event-loop p90 delay) for two 1 s windows in a row, readiness fails
   * and gRPC/HTTP admission sheds all but critical-plus; it clears after two windows at or under half of it.
   */
  OVERLOAD_EVENT_LOOP_DELAY_MS: millis.min(1, 'expected a duration in ms (>= 1)').default(250),
  /** The version this process stands for in a rollout (infra/local `pnpm rollout`, docs/remediation.md). */
  REBOUND_VERSION: z.string().min(1).default('base'),
  /** A bad-behaviour profile for that version (`error-ratio=0.3,latency-ms=200`...); empty: behaves. */
  REBOUND_BEHAVIOUR: behaviourVariable,
} as const;

export const baseConfigSchema = z.object(baseConfigShape);

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** Variables whose value a config error never prints (API keys, tokens, passwords, URLs with credentials). */
const SECRET = /KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL/;

/**
 * Validates `env` against `schema` (usually `baseConfigSchema.extend({...})`). An empty variable counts as
 * unset (its default applies). Every bad variable is named on one line, a secret's value hidden:
 * `invalid configuration: GRPC_PORT: expected a port between 0 and 65535 (got "99999")`.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const variable = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    const raw = variable === undefined ? undefined : present[variable];
    const got =
      raw === undefined
        ? 'missing'
        : SECRET.test(variable ?? '')
          ? 'value hidden'
          : `got ${JSON.stringify(raw)}`;
    return `${name}: ${issue.message} (${got})`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
