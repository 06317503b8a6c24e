import { addressList, DEFAULT_ADMIN_TOKEN } from '@rebound/service-defaults';
import { z } from 'zod';

/** Local default API keys (`client:key`): fine on a laptop, replaced by `API_KEYS` everywhere else. */
export const DEFAULT_API_KEYS = 'console:console-local-key,client-a:key-a,client-b:key-b';

const port = z.coerce
  .number()
  .int('expected an integer port')
  .min(0)
  .max(65_535, 'expected a port up to 65535');
const millis = z.coerce.number().int('expected whole milliseconds').min(1, 'expected at least 1 ms');
const count = z.coerce.number().int('expected an integer').min(1, 'expected at least 1');
const rate = z.coerce.number().positive('expected a positive number');

/** `client:key,client:key` → key → client id. Client ids and keys are at least 1 and 8 characters. */
const apiKeys = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const byKey = new Map<string, string>();
    for (const entry of value.split(',')) {
      const [client, key, extra] = entry.trim().split(':');
      if (!client || !key || extra !== undefined || !/^[\w.-]+$/.test(client)) {
        ctx.addIssue({ code: 'custom', message: 'expected client:key[,client:key...]' });
        return z.NEVER;
      }
      byKey.set(key, client);
    }
    return byKey;
  });

/** The gateway's environment: the local runtime's contract plus the edge's knobs (defaults in docs/gateway.md). */
export const gatewayConfigSchema = z.object({
  SERVICE_NAME: z.string().min(1).default('gateway'),
  SERVICE_INSTANCE: z.string().min(1).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(7460),
  ADMIN_PORT: port.default(7465),
  /** `host:port[,host:port...]` (local) or one `dns:///name:port` (Kubernetes): the shared address-list contract. */
  CATALOG_ADDRS: addressList.default(['127.0.0.1:7410', '127.0.0.1:7411']),
  ORDERS_ADDRS: addressList.default(['127.0.0.1:7440']),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  API_KEYS: z.string().default(DEFAULT_API_KEYS).pipe(apiKeys),
  /** Per-client token bucket. */
  RATE_LIMIT_RPS: rate.default(20),
  RATE_LIMIT_BURST: count.default(40),
  RATE_LIMIT_MAX_CLIENTS: count.default(10_000),
  /** Abuse blocking: this many 429/4xx answers to one client within the window → blocked. */
  BLOCK_THRESHOLD: count.default(100),
  BLOCK_WINDOW_MS: millis.default(10_000),
  BLOCK_DURATION_MS: millis.default(60_000),
  BLOCK_MAX_TRACKED: count.default(10_000),
  /** Largest request body accepted. */
  BODY_LIMIT_BYTES: count.default(16_384),
  /** Adaptive concurrency limit of the whole edge. */
  SHED_LIMIT_INITIAL: count.default(64),
  SHED_LIMIT_MIN: count.default(8),
  SHED_LIMIT_MAX: count.default(256),
  SHED_HOLD_MS: millis.default(2_000),
  /** Reads are shed while the event loop p99 delay (1 s window) is above this. */
  SHED_EVENT_LOOP_DELAY_MS: millis.default(150),
  /** Readiness fails while the event loop p99 delay (5 s window) is above this. */
  OVERLOAD_EVENT_LOOP_DELAY_MS: millis.default(250),
  /** Per-route deadlines of the gRPC calls (the whole call, retries included). */
  CATALOG_DEADLINE_MS: millis.default(800),
  ORDERS_READ_DEADLINE_MS: millis.default(1_500),
  ORDERS_PLACE_DEADLINE_MS: millis.default(8_000),
  /** Replayed answers of POST /api/orders are kept this long, for this many keys. */
  IDEMPOTENCY_TTL_MS: millis.default(24 * 60 * 60_000),
  IDEMPOTENCY_MAX_KEYS: count.default(10_000),
  /** Bearer token of `/admin/faults` on the admin port (the platform's local default otherwise). */
  ADMIN_TOKEN: z.string().min(8, 'expected at least 8 characters').default(DEFAULT_ADMIN_TOKEN),
  /** The heal view's backend (test/scenarios heal server) the console proxies `/console/heal/*` to; unset: no heal view. */
  CONSOLE_HEAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).default(1_000),
  SHUTDOWN_DRAIN_TIMEOUT_MS: millis.default(10_000),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment; every bad variable is named on one line. */
export function loadGatewayConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewayConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = gatewayConfigSchema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'env');
    const raw = env[name];
    const got =
      raw === undefined
        ? 'missing'
        : name === 'API_KEYS' || name === 'ADMIN_TOKEN'
          ? 'value hidden'
          : `got ${JSON.stringify(raw)}`;
    return `${name}: ${issue.message} (${got})`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
