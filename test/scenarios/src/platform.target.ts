import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type StatusRow, sumSeries } from '@rebound/e2e';

/** One row of the supervisor's `GET /status`, the fields the scenarios read (the e2e harness reads the same). */
export type ProcessRow = StatusRow;

export interface SupervisorStatus {
  readonly allReady: boolean;
  readonly urls: readonly { readonly name: string; readonly url: string }[];
  readonly rows: readonly ProcessRow[];
}

export type ReplicaAction = 'kill' | 'freeze' | 'thaw' | 'restart';

/**
 * A running platform as a scenario sees it from outside: the supervisor's control server (status, process
 * actions), every replica's admin port (faults, metrics, durable records) and the gateway's URL. Nothing here
 * reaches into a process: every number comes from an endpoint the platform serves.
 */
export interface Target {
  readonly gatewayUrl: string;
  readonly adminToken: string;
  /** Prometheus's URL when the supervisor runs it (the binary is installed), else undefined. */
  readonly prometheusUrl: string | undefined;
  readonly kafkaAddress: string | undefined;
  status(): Promise<SupervisorStatus>;
  /** Replica names of one process entry (`catalog` → `catalog-0`, `catalog-1`), running or not. */
  replicas(process: string): Promise<string[]>;
  /** `POST /processes/<replica>/<action>` on the supervisor. */
  act(replica: string, action: ReplicaAction): Promise<void>;
  /** An authenticated JSON call to the supervisor's control server (its rollout routes). */
  control(method: string, path: string, body?: unknown): Promise<AdminAnswer>;
  /** The sum of the series of `name` (labels included) in the supervisor's own `/metrics` (rollouts). */
  supervisorMetric(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  /** `http://127.0.0.1:<admin port>` of one replica. */
  adminUrl(replica: string): string;
  /** An authenticated JSON call to one replica's admin port. */
  admin(replica: string, method: string, path: string, body?: unknown): Promise<AdminAnswer>;
  /** The sum of the series of `name` (labels included) over the given replicas' `/metrics`; unreachable ones count 0. */
  metric(
    replicas: readonly string[],
    name: string,
    labels?: Readonly<Record<string, string>>,
  ): Promise<number>;
}

export interface AdminAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

const TIMEOUT_MS = 3_000;

/** A JSON call with the admin token; a body that is not JSON is kept as `{ text }`. */
async function jsonCall(url: string, token: string, method: string, body?: unknown): Promise<AdminAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  try {
    return {
      status: response.status,
      json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  } catch {
    return { status: response.status, json: { text } };
  }
}

/** Finds the supervisor through `<dataDir>/local/supervisor.json` and builds the target from its status. */
export async function connectTarget(options: {
  readonly dataDir: string;
  readonly adminToken?: string;
}): Promise<Target> {
  const stateFile = join(resolve(options.dataDir), 'local', 'supervisor.json');
  let controlUrl: string;
  try {
    controlUrl = (JSON.parse(await readFile(stateFile, 'utf8')) as { url: string }).url;
  } catch {
    throw new Error(
      `no running platform: ${stateFile} is missing (start one with npm start, or pass --start)`,
    );
  }
  const adminToken = options.adminToken ?? process.env.ADMIN_TOKEN ?? 'rebound-local-admin';
  const status = async (): Promise<SupervisorStatus> => {
    const response = await fetch(`${controlUrl}/status`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`supervisor GET /status answered ${response.status}`);
    return (await response.json()) as SupervisorStatus;
  };
  const first = await status();
  const row = (name: string) => first.rows.find((r) => r.name === name);
  const gateway = first.urls.find((u) => u.name === 'gateway');
  if (!gateway) throw new Error('the supervisor runs no gateway: nothing to drive load through');
  const prometheus = first.urls.find((u) => u.name === 'prometheus');
  const kafka = row('kafka-0');
  const adminUrl = (replica: string) => {
    const port = row(replica)?.adminPort;
    if (port === undefined) throw new Error(`${replica} has no admin port in the supervisor's status`);
    return `http://127.0.0.1:${port}`;
  };
  return {
    gatewayUrl: gateway.url,
    adminToken,
    prometheusUrl: prometheus?.url,
    kafkaAddress: kafka?.port === undefined ? undefined : `127.0.0.1:${kafka.port}`,
    status,
    adminUrl,
    async replicas(process) {
      return first.rows.filter((r) => r.process === process && r.state !== 'Coming').map((r) => r.name);
    },
    async act(replica, action) {
      const response = await fetch(`${controlUrl}/processes/${encodeURIComponent(replica)}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (response.status !== 202) {
        throw new Error(
          `supervisor: ${action} ${replica} answered ${response.status}: ${await response.text()}`,
        );
      }
    },
    control: (method, path, body) => jsonCall(`${controlUrl}${path}`, adminToken, method, body),
    async supervisorMetric(name, labels = {}) {
      const page = await fetch(`${controlUrl}/metrics`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
        .then((response) => response.text())
        .catch(() => '');
      return sumSeries(page, name, labels);
    },
    admin: (replica, method, path, body) => jsonCall(`${adminUrl(replica)}${path}`, adminToken, method, body),
    async metric(replicas, name, labels = {}) {
      const pages = await Promise.all(
        replicas.map((replica) =>
          fetch(`${adminUrl(replica)}/metrics`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
            .then((response) => response.text())
            .catch(() => ''),
        ),
      );
      return pages.reduce((total, page) => total + sumSeries(page, name, labels), 0);
    },
  };
}
