// The built gateway as a process (`node dist/main.js`) on free ports of 127.0.0.1, and the small HTTP and
// metrics readers its suites share.
import { fileURLToPath } from 'node:url';
import { freePort, type ServiceProcess, startServiceProcess } from '@rebound/testing';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A service process whose traffic is HTTP: `url` instead of the gRPC `address`, which the gateway does not serve. */
export interface GatewayProcess extends Omit<ServiceProcess, 'address' | 'grpcPort'> {
  /** `http://127.0.0.1:<HTTP_PORT>`, the traffic port. */
  readonly url: string;
}

/**
 * The built gateway, ready (`/readyz` 200) or rejected with its output, through the shared service-process
 * contract (`startServiceProcess`: SIGTERM then SIGKILL on `stop()`, killed if the test process exits). The
 * event-loop thresholds and the catalog deadline are raised unless a test sets them: on a shared 2-core CI box
 * other processes delay this one's event loop, which would shed requests in suites about something else
 * (event-loop shedding has its own test, load-shedder.unit.test.ts).
 */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const httpPort = await freePort();
  const gateway = await startServiceProcess({
    script: MAIN,
    env: {
      SERVICE_NAME: 'gateway',
      HTTP_PORT: String(httpPort),
      // Suites read the request logs and the drain message.
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      // Suites about something else must not see a loaded box as an overloaded gateway.
      OVERLOAD_EVENT_LOOP_DELAY_MS: '10000',
      // Suites about deadlines set their own; elsewhere a cold first call on a loaded box must not hit one.
      CATALOG_DEADLINE_MS: '5000',
      ...env,
    },
  });
  const { address: _unusedGrpcAddress, grpcPort: _unusedGrpcPort, ...handle } = gateway;
  return { ...handle, url: `http://127.0.0.1:${httpPort}` };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON answers field by field and assert on them.
  readonly body: any;
}

/** One HTTP call; the body parsed as JSON when it is JSON. */
export async function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const response = await fetch(url, options);
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body };
}

/**
 * The value of one series in a Prometheus text exposition, matched by name and a subset of its labels
 * (the registry adds `service`), or undefined when there is no such series.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const braces = line.match(/^[^{ ]+(?:\{(.*)\})? (\S+)$/);
    if (braces === null) continue;
    const found = new Map(
      [...(braces[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(braces[2]);
  }
  return undefined;
}

export async function metricsOf(gateway: GatewayProcess): Promise<string> {
  return (await fetch(`${gateway.adminUrl}/metrics`)).text();
}
