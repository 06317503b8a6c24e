import { request } from 'node:http';
import {
  type BackupRecord,
  backupCluster,
  type ClusterState,
  type InstanceStatus,
  listBackups,
  pruneBackups,
  readClusterState,
  readDrillRecord,
  serverUser,
  writeClusterState,
} from '@rebound/postgres-dev';
import { type Clock, keepAliveClock, wallClock } from '@rebound/resilience';
import { BackupSchedule } from './backup.schedule.ts';
import { renderDrillMetrics } from './drill.metrics.ts';
import type { Supervisor } from './platform.supervisor.ts';
import { PostgresFailover } from './postgres.failover.ts';
import { destroyCopies, type PostgresRecoveryContext, restoreCopies } from './postgres.recovery.ts';
import { processGroupMembers } from './pss.reader.ts';
import { RwEndpoint } from './rw.endpoint.ts';
import type { ProcessSpec, ReplicaSpec } from './topology.types.ts';

/** The replicated PostgreSQL as the supervisor runs it: its read-write endpoint and its failover controller. */
export interface PostgresCluster {
  readonly endpoint: RwEndpoint;
  readonly failover: PostgresFailover;
  /** Prometheus text: failovers, who is primary, synchronous standby, replication lag. */
  metrics(): string;
  /** The restore drill's disaster: both instances SIGKILLed, unsupervised, their data deleted (`postgres.recovery.ts`). */
  destroy(): Promise<{ destroyed: string[] }>;
  /** A restore from the backups while the platform runs (`postgres.recovery.ts`). */
  restore(target: Date | 'latest'): Promise<{ backup: BackupRecord; primary: string }>;
  close(): Promise<void>;
}

export interface PostgresClusterOptions {
  readonly process: ProcessSpec;
  readonly supervisor: Supervisor;
  readonly log: { event(line: string): void; warn(line: string): void };
  readonly clock?: Clock;
  readonly failoverAfterMs?: number;
  readonly standbyLostAfterMs?: number;
  /** Scheduled base backups: every hour by default, the first 2 minutes after start unless a recent one exists. */
  readonly backupEveryMs?: number;
  readonly firstBackupAfterMs?: number;
  /** Retention after each scheduled backup: the newest N base backups and the WAL they need (default 6). */
  readonly backupKeep?: number;
}

const BACKUP_EVERY_MS = 60 * 60_000;
const FIRST_BACKUP_AFTER_MS = 2 * 60_000;
/** Six hourly base backups: a point-in-time restore reaches back about six hours. */
const BACKUP_KEEP = 6;

const STATUS_TIMEOUT_MS = 1_000;
const COMMAND_TIMEOUT_MS = 40_000;

function argOf(replica: ReplicaSpec, flag: string): string {
  const index = replica.args.indexOf(flag);
  const value = index >= 0 ? replica.args[index + 1] : undefined;
  if (!value) throw new Error(`${replica.name} has no ${flag}`);
  return value;
}

function adminCall(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs: number,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, timeout: timeoutMs, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Starts the read-write endpoint on the entry's stable port and the failover controller over its replicas. The
 * cluster state (`<cluster-dir>/cluster.json`) is created on the first run (postgres-0 primary, generation 1)
 * and otherwise kept: who is primary survives a restart of the whole platform; the instances' addresses are
 * written again, since `--base-port` may move them.
 */
export async function startPostgresCluster(options: PostgresClusterOptions): Promise<PostgresCluster> {
  const { process: entry, supervisor, log } = options;
  const frontPort = entry.front?.port;
  const first = entry.replicas[0];
  if (frontPort === undefined || !first) throw new Error(`${entry.name} has no front port or no replica`);
  const clusterDir = argOf(first, '--cluster-dir');
  const backupDir = argOf(first, '--backup-dir');
  const byName = new Map(entry.replicas.map((replica) => [replica.name, replica]));
  const instances = Object.fromEntries(
    entry.replicas.map((replica) => [
      replica.name,
      { port: replica.port ?? 0, dataDir: argOf(replica, '--data-dir') },
    ]),
  );
  const previous = await readClusterState(clusterDir).catch(() => undefined);
  const state: ClusterState =
    previous && previous.primary in instances
      ? { ...previous, instances }
      : { primary: first.name, generation: 1, synchronousStandby: null, instances };
  await writeClusterState(clusterDir, state);
  const endpoint = new RwEndpoint(frontPort, undefined);
  await endpoint.listen();
  const adminPort = (name: string) => {
    const port = byName.get(name)?.adminPort;
    if (port === undefined) throw new Error(`unknown instance ${name}`);
    return port;
  };
  const command = async (name: string, path: string, body: unknown) => {
    const { status, json } = await adminCall(adminPort(name), 'POST', path, COMMAND_TIMEOUT_MS, body);
    if (status !== 200) throw new Error(`${name} ${path}: ${(json as { error?: string })?.error ?? status}`);
  };
  const failover = new PostgresFailover({
    clock: options.clock ?? keepAliveClock,
    state,
    ...(options.failoverAfterMs ? { failoverAfterMs: options.failoverAfterMs } : {}),
    ...(options.standbyLostAfterMs ? { standbyLostAfterMs: options.standbyLostAfterMs } : {}),
    effects: {
      status: (name) =>
        adminCall(adminPort(name), 'GET', '/status', STATUS_TIMEOUT_MS).then(
          ({ status, json }) => (status === 200 ? (json as InstanceStatus) : undefined),
          () => undefined,
        ),
      writeState: (next) => writeClusterState(clusterDir, next),
      fence(name) {
        const pid = supervisor.status().rows.find((row) => row.name === name)?.pid;
        if (pid === undefined) return;
        // The instance manager's group and every server process under it (each backend leads a session of its
        // own): a frozen backend is killed too, so it cannot finish a commit when it is resumed.
        for (const member of processGroupMembers(pid)) {
          try {
            process.kill(member, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      },
      promote: (name) => command(name, '/promote', {}),
      setSynchronous: (primary, standby) => command(primary, '/synchronous', { standby }),
      route(name) {
        endpoint.switchTo(name ? { name, port: instances[name]?.port ?? 0 } : undefined);
      },
      log: (level, line) => log[level](line),
    },
  });
  const subscription = supervisor.onEvent(({ replica, event }) => {
    if (replica.process === entry.name && event.type === 'exited') failover.exited(replica.name);
  });
  failover.start();
  const newest = (await listBackups(backupDir).catch(() => [])).at(-1);
  const schedule = new BackupSchedule({
    clock: wallClock,
    backup: async () => {
      const record = await backupCluster({ clusterDir, backupDir, user: serverUser() });
      // A failed prune leaves old files behind; it never fails the backup that was just taken.
      await pruneBackups({ backupDir, keep: options.backupKeep ?? BACKUP_KEEP }).then(
        ({ kept, removed, walFilesRemoved }) => {
          if (removed.length === 0) return;
          log.event(
            `postgres: retention kept ${kept.length} base backups, removed ${removed.map((b) => b.id).join(', ')} and ${walFilesRemoved} archived WAL files`,
          );
        },
        (error: Error) => log.warn(`postgres: backup retention failed: ${error.message}`),
      );
      return record;
    },
    lastFinishedAt: newest ? Date.parse(newest.finishedAt) : undefined,
    everyMs: options.backupEveryMs ?? BACKUP_EVERY_MS,
    firstAfterMs: options.firstBackupAfterMs ?? FIRST_BACKUP_AFTER_MS,
    log: (level, line) => log[level](line),
  });
  schedule.start();
  log.event(
    `${entry.name} read-write endpoint on 127.0.0.1:${frontPort}, following the primary (${state.primary}, generation ${state.generation})`,
  );
  const recovery: PostgresRecoveryContext = {
    entry,
    supervisor,
    failover,
    endpoint,
    clusterDir,
    backupDir,
    dataDirs: Object.fromEntries(
      entry.replicas.map((replica) => [replica.name, argOf(replica, '--data-dir')]),
    ),
    databases: argOf(first, '--databases').split(','),
    log,
  };
  return {
    endpoint,
    failover,
    destroy: () => destroyCopies(recovery),
    restore: (target) => restoreCopies(recovery, target),
    metrics: () =>
      renderClusterMetrics(failover, Object.keys(instances)) +
      renderBackupMetrics(schedule) +
      renderDrillMetrics(readDrillRecord(backupDir)),
    async close() {
      subscription.dispose();
      failover.stop();
      schedule.stop();
      await endpoint.close();
    },
  };
}

function renderClusterMetrics(failover: PostgresFailover, names: readonly string[]): string {
  const { state } = failover;
  const primaryStatus = failover.statusOf(state.primary);
  const lines = [
    '# HELP rebound_postgres_failovers_total Failovers done by this supervisor (primary lost, standby promoted).',
    '# TYPE rebound_postgres_failovers_total counter',
    `rebound_postgres_failovers_total ${failover.failovers}`,
    '# HELP rebound_postgres_generation Cluster generation: one more at every failover since the cluster began.',
    '# TYPE rebound_postgres_generation gauge',
    `rebound_postgres_generation ${state.generation}`,
    '# HELP rebound_postgres_primary Whether the instance is the primary the read-write endpoint follows.',
    '# TYPE rebound_postgres_primary gauge',
    ...names.map((n) => `rebound_postgres_primary{instance="${n}"} ${n === state.primary ? 1 : 0}`),
    '# HELP rebound_postgres_synchronous_standby Whether the instance acknowledges every commit of the primary.',
    '# TYPE rebound_postgres_synchronous_standby gauge',
    ...names.map(
      (n) =>
        `rebound_postgres_synchronous_standby{instance="${n}"} ${n === state.synchronousStandby ? 1 : 0}`,
    ),
    '# HELP rebound_postgres_standby_streaming Whether the standby streams WAL from the primary now.',
    '# TYPE rebound_postgres_standby_streaming gauge',
  ];
  const lag = [
    '# HELP rebound_postgres_replication_lag_bytes WAL the primary wrote that the standby has not replayed.',
    '# TYPE rebound_postgres_replication_lag_bytes gauge',
  ];
  for (const name of names) {
    if (name === state.primary) continue;
    const replica = primaryStatus?.replicas.find((r) => r.name === name);
    lines.push(
      `rebound_postgres_standby_streaming{instance="${name}"} ${replica?.state === 'streaming' ? 1 : 0}`,
    );
    if (replica && replica.lagBytes >= 0) {
      lag.push(`rebound_postgres_replication_lag_bytes{instance="${name}"} ${replica.lagBytes}`);
    }
  }
  return `${[...lines, ...lag].join('\n')}\n`;
}

function renderBackupMetrics(schedule: BackupSchedule): string {
  return `${[
    '# HELP rebound_postgres_last_backup_timestamp_seconds When the newest good base backup finished (0: none yet).',
    '# TYPE rebound_postgres_last_backup_timestamp_seconds gauge',
    `rebound_postgres_last_backup_timestamp_seconds ${Math.round((schedule.lastFinishedAt ?? 0) / 1000)}`,
    '# HELP rebound_postgres_backup_failures_total Scheduled base backups that failed.',
    '# TYPE rebound_postgres_backup_failures_total counter',
    `rebound_postgres_backup_failures_total ${schedule.failures}`,
  ].join('\n')}\n`;
}
