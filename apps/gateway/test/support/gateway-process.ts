import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@rebound/testing';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface GatewayProcess {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `node dist/main.js` with the local runtime's env contract on free ports; resolves once /readyz is 200. */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const httpPort = await freePort();
  const adminPort = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      SERVICE_NAME: 'gateway',
      HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
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
      throw new Error(`gateway exited ${code} before it was ready: ${output}`);
    });
    died.catch(() => undefined);
    await Promise.race([
      died,
      waitFor(async () => (await fetch(`${adminUrl}/readyz`)).ok, {
        timeoutMs: 30_000,
        description: 'gateway readiness',
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `http://127.0.0.1:${httpPort}`,
    adminUrl,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
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
