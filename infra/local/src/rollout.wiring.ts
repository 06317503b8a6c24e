import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@rebound/resilience';
import { EndpointsFiles } from './endpoints.file.ts';
import type { Supervisor } from './platform.supervisor.ts';
import { replicaRoutes } from './replica.routes.ts';
import { RolloutController } from './rollout.controller.ts';
import { rolloutRoutes } from './rollout.routes.ts';
import { type RolloutRecord, RolloutStore, rolloutFileOf } from './rollout.store.ts';
import type { ProcessSpec } from './topology.types.ts';

/**
 * Before the supervisor exists: the rollout state on disk, a rollout the last supervisor left unfinished recorded
 * as rolled back, and every replica's spec given the version its entry stands on.
 */
export function prepareRollouts(
  processes: readonly ProcessSpec[],
  dataRoot: string,
): { processes: ProcessSpec[]; store: RolloutStore; recovered: RolloutRecord | undefined } {
  const store = new RolloutStore(rolloutFileOf(dataRoot));
  const recovered = RolloutController.recoverInterrupted(store);
  return { processes: RolloutController.applyStoredVersions(processes, store), store, recovered };
}

/** After: the endpoints files of every entry with replicas, the controller, and its control-server routes. */
export function startRollouts(options: {
  readonly processes: readonly ProcessSpec[];
  readonly supervisor: Supervisor;
  readonly store: RolloutStore;
  readonly dataRoot: string;
  readonly clock: Clock;
}) {
  const endpoints = new EndpointsFiles(options.dataRoot);
  // A front that follows a primary (postgres) is not a set of equal replicas: never rolled, never scaled.
  const present = options.processes.filter((p) => p.availability.present && !p.front?.followsPrimary);
  for (const process of present) {
    endpoints.set(
      process.name,
      new Map(process.replicas.flatMap((r) => (r.port === undefined ? [] : [[r.name, r.port] as const]))),
    );
  }
  const controller = new RolloutController({
    supervisor: options.supervisor,
    processes: present,
    endpoints,
    store: options.store,
    clock: options.clock,
  });
  const routes = rolloutRoutes(controller);
  const replicas = replicaRoutes({ ...options, processes: present, endpoints, rollouts: controller });
  return {
    controller,
    endpoints,
    routes: (req: IncomingMessage, res: ServerResponse, path: string) =>
      routes(req, res, path) || replicas(req, res, path),
    metrics: () => controller.metrics(),
  };
}
