import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startPlatform } from '@rebound/e2e';
import { LOCAL_ADMIN_TOKEN } from '@rebound/testing';

/** A platform run by infra/local's supervisor that the drill acts on, as an operator would. */
export interface DrillTarget {
  /** The platform's data dir: `postgres/` (cluster state) and `backups/` (base backups, WAL archive, drill.json). */
  readonly dataDir: string;
  readonly gatewayUrl: string;
  /** Whether the drill started this platform itself (and stops it at the end). */
  readonly owned: boolean;
  /** `http://127.0.0.1:<admin port>` of a replica (`payments-0`). */
  adminUrl(replica: string): string;
  /** A superuser URL of `database` through the read-write endpoint (the auditor's read). */
  databaseUrl(database: string): Promise<string>;
  /** `POST <control>/<path>` with the control token; the answer's status and JSON. */
  control(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** The supervisor's output, when the drill started it (for a failure's explanation). */
  output(): string;
  close(): Promise<void>;
}

const SLOT = { gateway: 6, postgres: 7 } as const;

async function controlUrlOf(dataDir: string): Promise<string> {
  const file = join(dataDir, 'local', 'supervisor.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { url: string }).url;
}

function targetOf(options: {
  dataDir: string;
  basePort: number;
  controlUrl: string;
  adminPort: (replica: string) => number;
  owned: boolean;
  output: () => string;
  close: () => Promise<void>;
}): DrillTarget {
  const token = process.env.ADMIN_TOKEN ?? LOCAL_ADMIN_TOKEN;
  return {
    dataDir: options.dataDir,
    owned: options.owned,
    gatewayUrl: `http://127.0.0.1:${options.basePort + 10 * SLOT.gateway}`,
    adminUrl: (replica) => `http://127.0.0.1:${options.adminPort(replica)}`,
    async databaseUrl(database) {
      const password = (
        await readFile(join(options.dataDir, 'postgres', 'superuser.password'), 'utf8')
      ).trim();
      const port = options.basePort + 10 * SLOT.postgres;
      return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    },
    async control(path, body) {
      const response = await fetch(`${options.controlUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await response.text();
      return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    output: options.output,
    close: options.close,
  };
}

/** A whole platform of its own (every service ×2, the broker, the PostgreSQL pair), on free ports and a temp dir. */
export async function ownPlatform(): Promise<DrillTarget> {
  const platform = await startPlatform();
  const base = platform.basePort;
  return targetOf({
    dataDir: platform.dataDir,
    basePort: base,
    controlUrl: await controlUrlOf(platform.dataDir),
    adminPort: (replica) => Number(new URL(platform.adminUrl(replica)).port),
    owned: true,
    output: () => platform.output(),
    close: async () => {
      await platform.stop();
    },
  });
}

/**
 * The platform `npm start` runs on `dataDir` (its supervisor found through `<dataDir>/local/supervisor.json`):
 * ports from its status (the broker's port is the base port), nothing stopped at the end.
 */
export async function runningPlatform(dataDir: string): Promise<DrillTarget> {
  const root = resolve(dataDir);
  const controlUrl = await controlUrlOf(root).catch(() => {
    throw new Error(`no platform runs on ${root} (no local/supervisor.json): start it with npm start first`);
  });
  const status = (await (await fetch(`${controlUrl}/status`)).json()) as {
    rows: { name: string; port?: number; adminPort?: number }[];
  };
  const port = (name: string, admin: boolean) => {
    const row = status.rows.find((r) => r.name === name);
    const value = admin ? row?.adminPort : row?.port;
    if (value === undefined)
      throw new Error(`the supervisor's status has no ${admin ? 'admin ' : ''}port for ${name}`);
    return value;
  };
  return targetOf({
    dataDir: root,
    basePort: port('kafka-0', false),
    controlUrl,
    adminPort: (replica) => port(replica, true),
    owned: false,
    output: () => '',
    close: async () => {},
  });
}
