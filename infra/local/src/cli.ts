#!/usr/bin/env node
// The local runtime's command line: `up` (npm start) and `status`. See --help and the README.
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { keepAliveClock } from '@rebound/resilience';
import { parseArgs, type StatusCommand, type UpCommand, USAGE } from './cli.args.ts';
import { controlToken, startControlServer } from './control.server.ts';
import type { EndpointsFiles } from './endpoints.file.ts';
import { formatEvent } from './event.format.ts';
import { FrontProxy } from './front.proxy.ts';
import { createLogMux, type LogMux, shouldColor } from './log.mux.ts';
import { writeMonitoringConfigs } from './monitoring.config.ts';
import { Supervisor } from './platform.supervisor.ts';
import { DEFAULT_BASE_PORT, platformTopology } from './platform.topology.ts';
import { portsInUse } from './port.check.ts';
import { type PostgresCluster, startPostgresCluster } from './postgres.cluster.ts';
import { postgresRoutes } from './postgres.routes.ts';
import { prepareRollouts, startRollouts } from './rollout.wiring.ts';
import { fetchStatus } from './status.client.ts';
import { renderStatusTable } from './status.table.ts';
import { resolveTopology, type Topology } from './topology.resolve.ts';
import type { ProcessSpec } from './topology.types.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
/** Print the table anyway when not everything is ready after this long. */
const NOT_READY_TABLE_MS = 60_000;

function stateFileOf(dataDir: string | undefined): string {
  return join(dataDir ? resolve(dataDir) : join(REPO_ROOT, '.data'), 'local', 'supervisor.json');
}

async function loadTopology(file: string | undefined): Promise<Topology> {
  if (!file) return platformTopology;
  const module = (await import(pathToFileURL(realpathSync(resolve(file))).href)) as { default?: Topology };
  if (!module.default?.processes) throw new Error(`${file} has no default export with 'processes'`);
  return module.default;
}

async function status(command: StatusCommand): Promise<number> {
  try {
    const report = await fetchStatus(stateFileOf(command.dataDir));
    process.stdout.write(
      command.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatusTable(report)}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}

async function up(command: UpCommand): Promise<number> {
  const stateFile = stateFileOf(command.dataDir);
  const running = await fetchStatus(stateFile).then(
    () => true,
    () => false,
  );
  if (running) {
    process.stderr.write(`a supervisor is already running (see ${stateFile}); stop it first\n`);
    return 1;
  }
  const topology = await loadTopology(command.topology);
  const dataRoot = command.dataDir ? resolve(command.dataDir) : join(REPO_ROOT, '.data');
  const basePort = command.basePort ?? DEFAULT_BASE_PORT;
  await writeMonitoringConfigs({ rootDir: REPO_ROOT, dataRoot, basePort });
  const resolved = resolveTopology(topology, {
    rootDir: topology.rootDir ?? REPO_ROOT,
    dataDir: dataRoot,
    basePort,
    replicas: command.replicas,
    only: command.only,
    restart: command.restart,
  });
  // Rollouts (src/rollout.*): each entry's version from the data dir; an unfinished rollout rolled back.
  const rollouts = prepareRollouts(resolved, dataRoot);
  const processes = rollouts.processes;
  const log = createLogMux({
    write: (text) => process.stdout.write(text),
    color: shouldColor(process.stdout, process.env),
    sources: processes.filter((p) => p.availability.present).flatMap((p) => p.replicas.map((r) => r.name)),
  });
  const supervisor = new Supervisor({
    processes,
    onLine: (replica, line) => log.child(replica, line),
    onError: (message) => log.warn(message),
  });
  supervisor.onEvent(({ replica, event }) => {
    const formatted = formatEvent(replica.name, event);
    if (formatted) log[formatted.level](formatted.line);
  });
  if (rollouts.recovered) log.warn(`rollout #${rollouts.recovered.id}: ${rollouts.recovered.reason}`);
  const rollout = startRollouts({
    processes,
    supervisor,
    store: rollouts.store,
    dataRoot,
    clock: keepAliveClock,
  });
  rollout.controller.onEvent(({ message, level }) => log[level](message));
  for (const entry of supervisor.coming) {
    if (!entry.availability.present) log.event(`skipping ${entry.name}: ${entry.availability.reason}`);
  }
  const present = processes.filter((p) => p.availability.present);
  if (present.length === 0) {
    log.event('nothing to run yet: no entry of the topology is built');
    return 0;
  }
  const busy = await portsInUse(processes);
  if (busy.length > 0) {
    process.stderr.write(
      `ports already in use: ${busy.join(', ')}; a leftover process or another run? pick others with --base-port\n`,
    );
    return 1;
  }
  // Whatever ends this process (an uncaught error included), no child may outlive it.
  process.on('exit', () => supervisor.killAllNow());
  const clusters: PostgresCluster[] = [];
  const restoreRoutes = postgresRoutes(() => clusters);
  const control = await startControlServer({
    status: () => supervisor.status(),
    stateFile,
    routes: (req, res, path) => rollout.routes(req, res, path) || restoreRoutes(req, res, path),
    metrics: () => rollout.metrics() + clusters.map((cluster) => cluster.metrics()).join(''),
    act: (name, action) => {
      const outcome = supervisor.act(name, action);
      if ('pid' in outcome)
        log.warn(`${name}: ${action} requested through the control server (pid ${outcome.pid})`);
      return outcome;
    },
    token: controlToken(),
  });
  log.event(
    `supervisor pid ${process.pid}, control ${control.url} (/status, /metrics, /rollouts, POST /processes, POST /postgres/restore)`,
  );
  const fronts: { close(): Promise<void> }[] = await startFronts(present, supervisor, log, rollout.endpoints);
  for (const entry of present) {
    if (!entry.front?.followsPrimary) continue;
    const cluster = await startPostgresCluster({ process: entry, supervisor, log });
    clusters.push(cluster);
    fronts.push(cluster);
  }
  // When something never gets ready (a crash loop, a dependency that waits), still show where things stand.
  const notReadyYet = setTimeout(() => {
    if (supervisor.status().allReady) return;
    log.warn(`not everything is ready after ${NOT_READY_TABLE_MS / 1000}s; run 'status' to follow`);
    log.block(renderStatusTable(supervisor.status()));
  }, NOT_READY_TABLE_MS);
  notReadyYet.unref();
  supervisor.onAllReady(() => {
    clearTimeout(notReadyYet);
    const report = supervisor.status();
    log.event('everything is ready');
    for (const { name, url } of report.urls) log.event(`${name}: ${url}`);
    log.block(renderStatusTable(report));
  });

  const stopped = new Promise<number>((resolveExit) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: SIGKILL to every process group`);
        supervisor.killAllNow();
        return;
      }
      stopping = true;
      log.event(`${signal}: stopping everything in reverse dependency order`);
      rollout.controller.freeze();
      void supervisor.stop().then(async (leftovers) => {
        await Promise.all(fronts.map((front) => front.close()));
        await control.close();
        if (leftovers.length > 0) {
          log.warn(`process groups still alive after stopping: ${leftovers.join(', ')}`);
          resolveExit(1);
          return;
        }
        log.event('all processes stopped, no process group left');
        resolveExit(0);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });
  supervisor.start();
  return stopped;
}

/** A front per entry that has one, balancing over its ready replicas (see `src/front.proxy.ts`). */
async function startFronts(
  processes: readonly ProcessSpec[],
  supervisor: Supervisor,
  log: LogMux,
  endpoints: EndpointsFiles,
): Promise<FrontProxy[]> {
  const fronts: FrontProxy[] = [];
  for (const process of processes) {
    if (!process.front || process.front.followsPrimary) continue;
    const front = new FrontProxy({
      port: process.front.port,
      backends: [],
      isReady: (name) => supervisor.replicaReady(name),
    });
    // The front balances over the entry's endpoints, so a rollout or a scale-up moves its traffic.
    endpoints.watch(process.name, (members) =>
      front.setBackends([...members].map(([name, port]) => ({ name, port }))),
    );
    front.onEvent((event) => {
      if (event.type === 'ejected') log.warn(`${process.name} front: ${event.backend} out (${event.reason})`);
      if (event.type === 'rejected') log.warn(`${process.name} front: connection refused (${event.reason})`);
    });
    await front.listen();
    fronts.push(front);
    log.event(`${process.name} front on 127.0.0.1:${process.front.port}, round robin over ready replicas`);
  }
  return fronts;
}

async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseArgs>;
  try {
    command = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return command.command === 'status' ? await status(command) : await up(command);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
