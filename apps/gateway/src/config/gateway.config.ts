import { addressList, httpConfigSchema, loadConfig } from '@rebound/service-defaults';
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

/** The gateway's environment: the HTTP tier's contract plus the edge's knobs (defaults in docs/gateway.md). */
export const gatewayConfigSchema = httpConfigSchema.extend({
  SERVICE_NAME: z.string().min(1).default('gateway'),
  HTTP_PORT: port.default(7460),
  ADMIN_PORT: port.default(7465),
  /** `host:port[,host:port...]` (local) or one `dns:///name:port` (Kubernetes): the shared address-list contract. */
  CATALOG_ADDRS: addressList.default(['127.0.0.1:7410', '127.0.0.1:7411']),
  ORDERS_ADDRS: addressList.default(['127.0.0.1:7440']),
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
  /** Adaptive concurrency limit of the whole edge. */
  SHED_LIMIT_INITIAL: count.default(64),
  SHED_LIMIT_MIN: count.default(8),
  SHED_LIMIT_MAX: count.default(256),
  SHED_HOLD_MS: millis.default(2_000),
  /**
   * The overload signal's bound, lower at the edge than in the services (250 ms): over it for two 1 s windows
   * in a row, reads and sheddable requests get 503 and readiness fails (see service-defaults).
   */
  OVERLOAD_EVENT_LOOP_DELAY_MS: millis.default(150),
  /** Per-route deadlines of the gRPC calls (the whole call, retries included). */
  CATALOG_DEADLINE_MS: millis.default(800),
  ORDERS_READ_DEADLINE_MS: millis.default(1_500),
  ORDERS_PLACE_DEADLINE_MS: millis.default(8_000),
  /** A PlaceOrder unanswered this long is sent to another orders replica too (same idempotency key). */
  ORDERS_PLACE_HEDGE_MS: millis.default(1_000),
  /** Replayed answers of POST /api/orders are kept this long, for this many keys. */
  IDEMPOTENCY_TTL_MS: millis.default(24 * 60 * 60_000),
  IDEMPOTENCY_MAX_KEYS: count.default(10_000),
  /** The heal view's backend (test/scenarios heal server) the console proxies `/console/heal/*` to; unset: no heal view. */
  CONSOLE_HEAL_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Validates the environment; every bad variable is named on one line (a `ConfigError` of service-defaults). */
export function loadGatewayConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}
