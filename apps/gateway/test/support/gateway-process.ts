import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@rebound/testing';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface NodeProcess {
  /** `http://127.0.0.1:<traffic port>` (HTTP for the gateway). */
  readonly url: string;
  /** `127.0.0.1:<traffic port>` (the gRPC address of a service). */
  readonly address: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code (or signal name); SIGKILL after 10 s. */
  stop(): Promise<number | string>;
  /** The exit code (or signal name) once the process exits by itself. */
  readonly exited: Promise<number | string>;
}

export type GatewayProcess = NodeProcess;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `node <script>` with the local runtime's env contract on free ports of 127.0.0.1 (the traffic port in
 * `portVariable`); resolves once its `/readyz` answers 200, fails at once if it exits first.
 */
export async function startNodeProcess(
  script: string,
  portVariable: 'HTTP_PORT' | 'GRPC_PORT',
  env: Record<string, string>,
): Promise<NodeProcess> {
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      [portVariable]: String(port),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  void exited.then(() => running.delete(child));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  try {
    const died = exited.then(([code]) => {
      throw new Error(`${script} exited ${code} before it was ready: ${output}`);
    });
    died.catch(() => undefined);
    await Promise.race([
      died,
      waitFor(async () => (await fetch(`${adminUrl}/readyz`)).ok, {
        timeoutMs: 30_000,
        description: `${script} readiness`,
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    adminUrl,
    child,
    output: () => output,
    exited: exited.then(([code, signal]) => (code as number | null) ?? (signal as string)),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code, signal] = await exited;
      clearTimeout(timer);
      return (code as number | null) ?? (signal as string);
    },
  };
}

/**
 * The built gateway (`node dist/main.js`). The event-loop thresholds and the catalog deadline are raised unless a test sets them: on a
 * shared 2-core CI box other processes delay this one's event loop, which would shed requests in suites about
 * something else (event-loop shedding has its own test, load-shedder.unit.test.ts).
 */
export function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  return startNodeProcess(MAIN, 'HTTP_PORT', {
    SERVICE_NAME: 'gateway',
    SHED_EVENT_LOOP_DELAY_MS: '10000',
    OVERLOAD_EVENT_LOOP_DELAY_MS: '10000',
    // Suites about deadlines set their own; elsewhere a cold first call on a loaded box must not hit one.
    CATALOG_DEADLINE_MS: '5000',
    ...env,
  });
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
