import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock, waitFor } from '@rebound/testing';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'infra', 'local', 'src', 'cli.ts');

/** One row of the supervisor's `GET /status` (the fields the suites read). */
export interface StatusRow {
  readonly name: string;
  readonly process: string;
  readonly state: string;
  readonly pid: number | undefined;
  readonly ready: boolean;
  readonly restarts: number;
  readonly port: number | undefined;
  readonly adminPort: number | undefined;
}

export interface StatusReport {
  readonly allReady: boolean;
  readonly rows: readonly StatusRow[];
}

export interface StartPlatformOptions {
  /** Added to the supervisor's environment, which every child inherits (e.g. gateway or saga settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long everything may take to become ready (a cold, loaded 2-core box needs a minute or more). */
  readonly readyTimeoutMs?: number;
  /**
   * Processes whose readiness the start does not wait for and whose restarts the suites do not judge: the
   * non-critical ones (default `notifications`: its outage must not hold back checkout, see docs/architecture).
   */
  readonly optional?: readonly string[];
}

/** The whole platform, started by `infra/local` as a child process on its own port block and data dir. */
export interface Platform {
  readonly basePort: number;
  /** The supervisor's pid (it also runs the fronts). */
  readonly supervisorPid: number | undefined;
  /** Process names (e.g. `notifications`) that are not waited for nor judged. */
  readonly optional: ReadonlySet<string>;
  readonly dataDir: string;
  /** `http://127.0.0.1:<gateway port>`. */
  readonly gatewayUrl: string;
  /** The supervisor's combined output so far (prefixed log lines of every process). */
  output(): string;
  status(): Promise<StatusReport>;
  /** The status row of one replica, e.g. `catalog-1`. */
  row(name: string): Promise<StatusRow>;
  /** `http://127.0.0.1:<admin port>` of one replica, from the fixed port plan. */
  adminUrl(name: string): string;
  /** The admin URLs of every replica of `service` the supervisor runs (e.g. both orders replicas). */
  adminUrls(service: string): Promise<string[]>;
  /** `127.0.0.1:<traffic port>` of one replica. */
  address(name: string): string;
  /** SIGINT, then the supervisor's exit code (a second SIGINT, which SIGKILLs every group, after `graceMs`). */
  stop(graceMs?: number): Promise<number | string>;
}

const SLOTS: Readonly<Record<string, number>> = {
  kafka: 0,
  catalog: 1,
  inventory: 2,
  payments: 3,
  orders: 4,
  notifications: 5,
  gateway: 6,
  postgres: 7,
};

const started = new Set<ChildProcess>();
process.once('exit', () => {
  // A test process that dies anyway still stops the supervisor, which stops its groups.
  for (const child of started) child.kill('SIGINT');
});

function portOf(basePort: number, name: string, admin: boolean): number {
  const dash = name.lastIndexOf('-');
  const service = name.slice(0, dash);
  const replica = Number(name.slice(dash + 1));
  const slot = SLOTS[service];
  if (slot === undefined || !Number.isInteger(replica)) throw new Error(`unknown replica ${name}`);
  return basePort + 10 * slot + (admin ? 5 : 0) + replica;
}

/** Starts `node infra/local/src/cli.ts up` on a free port block and a temp data dir; resolves when all is ready. */
export async function startPlatform(options: StartPlatformOptions = {}): Promise<Platform> {
  // Slots 0..12 (the heal view on slot 12): 130 ports.
  const basePort = await freePortBlock(130);
  const dataDir = await mkdtemp(join(tmpdir(), 'rebound-e2e-'));
  // mkdtemp makes it 0700; run as root, postgres-0's server runs as the postgres user, which must reach its data.
  await chmod(dataDir, 0o755);
  const optional = new Set(options.optional ?? ['notifications']);
  const child = spawn(
    process.execPath,
    ['--conditions=development', CLI, 'up', '--base-port', String(basePort), '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.add(child);
  let out = '';
  const append = (chunk: string) => {
    out += chunk;
    // Keep the tail only: a long run must not grow the test's heap without bound.
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout?.setEncoding('utf8').on('data', append);
  child.stderr?.setEncoding('utf8').on('data', append);
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => {
      started.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  let exitCode: number | string | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  let controlUrl: string | undefined;
  const status = async (): Promise<StatusReport> => {
    if (controlUrl === undefined) throw new Error('the supervisor has not written its control endpoint yet');
    const response = await fetch(`${controlUrl}/status`);
    if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
    return (await response.json()) as StatusReport;
  };
  let stopping: Promise<number | string> | undefined;
  const platform: Platform = {
    basePort,
    supervisorPid: child.pid,
    optional,
    dataDir,
    gatewayUrl: `http://127.0.0.1:${portOf(basePort, 'gateway-0', false)}`,
    output: () => out,
    status,
    async row(name) {
      const row = (await status()).rows.find((entry) => entry.name === name);
      if (row === undefined) throw new Error(`no status row ${name}`);
      return row;
    },
    adminUrl: (name) => `http://127.0.0.1:${portOf(basePort, name, true)}`,
    async adminUrls(service) {
      const rows = (await status()).rows.filter((row) => row.process === service);
      return rows.map((row) => `http://127.0.0.1:${portOf(basePort, row.name, true)}`);
    },
    address: (name) => `127.0.0.1:${portOf(basePort, name, false)}`,
    stop(graceMs = 45_000) {
      stopping ??= (async () => {
        if (exitCode === undefined) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGINT'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        await rm(dataDir, { recursive: true, force: true });
        return exited;
      })();
      return stopping;
    },
  };

  try {
    const stateFile = join(dataDir, 'local', 'supervisor.json');
    controlUrl = await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`the supervisor exited (${exitCode})`);
        return (JSON.parse(await readFile(stateFile, 'utf8')) as { url: string }).url;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'the supervisor state file' },
    );
    await waitFor(
      async () => {
        if (exitCode !== undefined) return true;
        const report = await status();
        const critical = report.rows.filter((row) => !optional.has(row.process) && row.state !== 'Coming');
        return critical.every((row) => row.ready) && critical.some((row) => row.name === 'gateway-0');
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 180_000,
        intervalMs: 250,
        description: 'every critical process ready',
      },
    );
    if (exitCode !== undefined) throw new Error(`the supervisor exited (${exitCode})`);
  } catch (error) {
    await platform.stop(10_000);
    throw new Error(`${(error as Error).message}\n--- supervisor output (tail) ---\n${out.slice(-8000)}`);
  }
  return platform;
}
