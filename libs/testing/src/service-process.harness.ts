import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './port.allocator.ts';
import { DATABASE_SERVICES, serviceDatabaseUrl } from './service-database.fixture.ts';
import { waitFor } from './wait-for.util.ts';

export interface ServiceProcessOptions {
  /** The entry point, e.g. `apps/catalog/dist/main.js` (absolute or relative to `cwd`). */
  readonly script: string;
  /** Added to the env contract below (and to this process's PATH/HOME). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Node flags, e.g. `--conditions=development` for a fixture run from source. */
  readonly nodeArgs?: readonly string[];
  /** How long readiness may take (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Resolve once started without waiting for `/readyz` (to test a process that should fail). */
  readonly waitReady?: boolean;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly adminPort: number;
  /** `127.0.0.1:<grpcPort>`. */
  readonly address: string;
  /** `http://127.0.0.1:<adminPort>`. */
  readonly adminUrl: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, wait for the exit (SIGKILL after `graceMs`); resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | string>;
  [Symbol.asyncDispose](): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `<SERVICE>_DATABASE_URL` for a service that owns a database and was given neither it nor `DATABASE_URL`
 * (an empty value counts as given: a test of the missing URL passes one).
 */
async function databaseEnv(
  env: Readonly<Record<string, string>> | undefined,
): Promise<Record<string, string>> {
  const service = env?.SERVICE_NAME;
  if (!service || !DATABASE_SERVICES.includes(service)) return {};
  const variable = `${service.toUpperCase()}_DATABASE_URL`;
  if (env[variable] !== undefined || env.DATABASE_URL !== undefined) return {};
  return { [variable]: await serviceDatabaseUrl(service, env.DATA_DIR) };
}

/**
 * Starts a service as the local runtime would (`SERVICE_NAME`, `HOST`, `GRPC_PORT`, `ADMIN_PORT` on free
 * ports of 127.0.0.1, its own database as `<SERVICE>_DATABASE_URL` (see `serviceDatabaseUrl`), plus `env`)
 * and waits until its `/readyz` answers 200.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const grpcPort = options.env?.GRPC_PORT ? Number(options.env.GRPC_PORT) : await freePort();
  const adminPort = options.env?.ADMIN_PORT ? Number(options.env.ADMIN_PORT) : await freePort();
  const database = await databaseEnv(options.env);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_DELAY_MS: '100',
      ...database,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = (async () => {
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    running.delete(child);
    return child.exitCode ?? child.signalCode ?? -1;
  })();
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  let stopping: Promise<number | string> | undefined;
  const handle: ServiceProcess = {
    child,
    grpcPort,
    adminPort,
    address: `127.0.0.1:${grpcPort}`,
    adminUrl,
    output: () => log,
    exited,
    stop(graceMs = 15_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(timer);
          return code;
        }
        return exited;
      })();
      return stopping;
    },
    async [Symbol.asyncDispose]() {
      await handle.stop();
    },
  };
  if (options.waitReady === false) return handle;
  try {
    let exitCode: number | string | undefined;
    void exited.then((code) => {
      exitCode = code;
    });
    await waitFor(
      async () => {
        if (exitCode !== undefined) return { exited: exitCode };
        const response = await fetch(`${adminUrl}/readyz`);
        await response.arrayBuffer();
        return response.ok;
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 30_000,
        intervalMs: 50,
        description: `${options.script} /readyz`,
      },
    );
    if (exitCode !== undefined) throw new Error(`${options.script} exited (${exitCode}) before it was ready`);
  } catch (error) {
    await handle.stop(1_000);
    throw new Error(`${(error as Error).message}\n--- output ---\n${log}`);
  }
  return handle;
}

/** The admin token the services use when `ADMIN_TOKEN` is not set (documented local default). */
export const LOCAL_ADMIN_TOKEN = 'rebound-local-admin';

/** A JSON call to an admin endpoint with the bearer token (`token: null` sends none). */
export async function adminRequest(
  adminUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = LOCAL_ADMIN_TOKEN,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${adminUrl}${path}`, {
    method,
    headers: {
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}

/** The value of the first `/metrics` series starting with `series` (name and label prefix), or undefined. */
export async function metricValue(adminUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(series));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
