/**
 * What the services' code actually reads and serves, read from the code itself: the environment variables of
 * each config schema, the admin endpoints, the gRPC health service, the database variable. The consistency tests
 * hold the manifests to these.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.paths.ts';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

function sourceFiles(dir: string): string[] {
  const abs = join(repoRoot, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

/** The keys of the object literal that starts right after `marker` in `text` (top-level `NAME:` lines). */
function objectKeys(text: string, marker: string): string[] {
  const start = text.indexOf(marker);
  if (start < 0) return [];
  let depth = 0;
  let end = start + marker.length - 1;
  for (let i = end; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  const body = text.slice(start + marker.length, end);
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] as string);
}

/** Variables of `libs/service-defaults` base config (`baseConfigShape`). */
export function baseConfigKeys(): string[] {
  return objectKeys(
    read('libs/service-defaults/src/config/service.config.ts'),
    'export const baseConfigShape = {',
  );
}

/** Variables of an HTTP service's base config (`httpConfigShape`: the base one, HTTP_PORT, BODY_LIMIT_BYTES). */
export function httpConfigKeys(): string[] {
  return objectKeys(
    read('libs/service-defaults/src/http/http.config.ts'),
    'export const httpConfigShape = {',
  );
}

/** Every variable `apps/<service>` reads: its own schema (or the base one and its `extend({...})`), plus storage's. */
export function envReadBy(service: string): Set<string> {
  const keys = new Set<string>(['NODE_OPTIONS']); // read by Node itself
  const files = sourceFiles(`apps/${service}/src`);
  let ownSchema = false;
  for (const file of files) {
    const text = read(file);
    for (const key of objectKeys(text, 'baseConfigSchema.extend({')) keys.add(key);
    const http = objectKeys(text, 'httpConfigSchema.extend({');
    for (const key of http) keys.add(key);
    if (http.length > 0) for (const key of httpConfigKeys()) keys.add(key);
    const own = objectKeys(text, 'ConfigSchema = z.object({');
    if (own.length > 0) ownSchema = true;
    for (const key of own) keys.add(key);
    const database = /DatabaseModule\.forRoot\(\{\s*schema: '([a-z-]+)'/.exec(text);
    if (database) {
      keys.add(`${(database[1] as string).toUpperCase()}_DATABASE_URL`);
      keys.add('DATABASE_URL');
    }
  }
  if (!ownSchema) for (const key of baseConfigKeys()) keys.add(key);
  if (read(`apps/${service}/src/main.ts`).includes('startInstrumented(')) {
    for (const key of tracingConfigKeys()) keys.add(key);
  }
  return keys;
}

/** The `OTEL_*` variables `libs/observability`'s tracing reads (every service whose main.ts starts tracing). */
export function tracingConfigKeys(): string[] {
  const text = read('libs/observability/src/tracing/tracing.config.ts');
  return [...new Set([...text.matchAll(/env\.(OTEL_[A-Z_]+)/g)].map((m) => m[1] as string))];
}

/** `libs/storage` derives the per-service variable as `<SCHEMA>_DATABASE_URL`. */
export function storageReadsPerServiceUrl(): boolean {
  const source = ['return `$', '{schema.toUpperCase()}_DATABASE_URL`;'].join('');
  return read('libs/storage/src/database.factory.ts').includes(source);
}

/** The probe paths `libs/health`'s admin server answers. */
export function adminProbePaths(): string[] {
  const text = read('libs/health/src/admin.server.ts');
  return [...text.matchAll(/^ {2}'(\/[a-z]+)': '(liveness|readiness|startup)',$/gm)].map(
    (m) => m[1] as string,
  );
}

const METRICS_ROUTE = "admin.route('GET', '/metrics'";

/**
 * Whether `file` registers `GET /metrics` on the admin server: itself, or through service-defaults'
 * `registerMetricsRoute(admin, ...)`, which must then register that route.
 */
export function servesMetrics(file: string): boolean {
  const text = read(file);
  if (text.includes(METRICS_ROUTE)) return true;
  // Both tiers build on the shared service base, which registers the route.
  if (/\bstartServiceBase\(/.test(text))
    return servesMetrics('libs/service-defaults/src/common/service-base.bootstrap.ts');
  return (
    /registerMetricsRoute\(admin,/.test(text) &&
    read('libs/service-defaults/src/admin/metrics.route.ts').includes(METRICS_ROUTE)
  );
}

/** Whether the gRPC server registers `grpc.health.v1` with an overall ("") status. */
export function grpcHealthOverall(): boolean {
  return read('libs/rpc/src/server/rpc.server.ts').includes("new HealthImplementation({ '': ");
}

/** The Kafka topic the orders events go to. */
export function ordersEventsTopic(): string | undefined {
  return /export const ORDERS_EVENTS_TOPIC = '([^']+)'/.exec(
    read('libs/contracts/src/events/orders.events.ts'),
  )?.[1];
}

export function appExists(service: string): boolean {
  return existsSync(join(repoRoot, 'apps', service, 'package.json'));
}
