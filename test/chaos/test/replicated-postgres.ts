import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  DATABASE_SERVICES,
  type PostgresCluster,
  platformTopology,
  processGroupMembers,
  resolveTopology,
  Supervisor,
  startPostgresCluster,
} from '@rebound/local';
import { freePortBlock, waitFor } from '@rebound/testing';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** infra/local's replicated PostgreSQL (postgres-0, postgres-1, the read-write endpoint, failover), for a suite. */
export interface ReplicatedPostgres {
  readonly cluster: PostgresCluster;
  readonly supervisor: Supervisor;
  /** `<SERVICE>_DATABASE_URL` as the supervisor hands it to each service: through the read-write endpoint. */
  readonly urls: Readonly<Record<string, string>>;
  /** Every line the instances and the controller logged. */
  readonly lines: string[];
  /** The instance's own port (not the endpoint). */
  portOf(instance: string): number;
  /** The process group the supervisor runs the instance in (its instance manager and postmaster). */
  groupOf(instance: string): number;
  /** Every process of the instance: its manager, the postmaster and each server process. */
  processesOf(instance: string): number[];
  /**
   * Sends `signal` to every process of the instance; one that ended meanwhile (a short-lived backend) is skipped.
   * Returns the pids signalled.
   */
  signal(instance: string, signal: NodeJS.Signals): number[];
  close(): Promise<void>;
}

/** `waitForStandby: false` resolves once the endpoint follows a primary (a restore), before a standby is synchronous. */
export async function startReplicatedPostgres(
  dataDir: string,
  options: { waitForStandby?: boolean } = {},
): Promise<ReplicatedPostgres> {
  // As root the servers run as the postgres user, which must reach the data dirs.
  await chmod(dataDir, 0o755);
  const all = resolveTopology(platformTopology, {
    rootDir: root,
    dataDir,
    basePort: await freePortBlock(80),
    restart: { initialBackoffMs: 200, maxBackoffMs: 2_000, terminationGraceMs: 5_000 },
  });
  const urls: Record<string, string> = {};
  for (const service of DATABASE_SERVICES) {
    const variable = `${service.toUpperCase()}_DATABASE_URL`;
    const url = all.find((spec) => spec.name === service)?.replicas[0]?.env[variable];
    if (!url) throw new Error(`the topology gives ${service} no ${variable}`);
    urls[service] = url;
  }
  const entry = all.find((spec) => spec.name === 'postgres');
  if (!entry) throw new Error('no postgres entry in the topology');
  const lines: string[] = [];
  const supervisor = new Supervisor({
    processes: [entry],
    onLine: (replica, line) => lines.push(`${replica} | ${line}`),
    onError: (message) => lines.push(`error | ${message}`),
  });
  const cluster = await startPostgresCluster({
    process: entry,
    supervisor,
    log: { event: (line) => lines.push(`local | ${line}`), warn: (line) => lines.push(`local | ${line}`) },
  });
  supervisor.start();
  try {
    await waitFor(
      () =>
        options.waitForStandby === false
          ? supervisor.replicaReady(cluster.failover.state.primary)
          : cluster.failover.state.synchronousStandby !== null,
      { timeoutMs: 120_000, description: 'a primary and its synchronous standby' },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; output:\n${lines.join('\n')}`);
  }
  const replica = (name: string) => {
    const spec = entry.replicas.find((r) => r.name === name);
    if (!spec) throw new Error(`no instance ${name}`);
    return spec;
  };
  return {
    cluster,
    supervisor,
    urls,
    lines,
    portOf: (name) => replica(name).port ?? 0,
    groupOf(name) {
      const pid = supervisor.status().rows.find((row) => row.name === name)?.pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      return pid;
    },
    signal(name, signal) {
      const pid = supervisor.status().rows.find((row) => row.name === name)?.pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      return processGroupMembers(pid).filter((member) => {
        try {
          process.kill(member, signal);
          return true;
        } catch {
          return false;
        }
      });
    },
    processesOf(name) {
      const pid = supervisor.status().rows.find((row) => row.name === name)?.pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      return processGroupMembers(pid);
    },
    async close() {
      await supervisor.stop();
      await cluster.close();
    },
  };
}
