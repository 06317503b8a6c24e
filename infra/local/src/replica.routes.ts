import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@rebound/resilience';
import type { EndpointsFiles } from './endpoints.file.ts';
import type { Supervisor } from './platform.supervisor.ts';
import type { RolloutController } from './rollout.controller.ts';
import type { ProcessSpec } from './topology.types.ts';

/** A scale-up never takes an entry above this many replicas locally (on kind the HPA scales). */
export const MAX_SCALED_REPLICAS = 4;

/** Answers with `body`; true, as a route that served the request returns. */
function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  return true;
}

/**
 * What the remediation controller may ask of the supervisor (docs/remediation.md):
 * - `POST /replicas/<name>/restart`: SIGTERM to the replica's process group; the supervisor starts it again after
 *   its back-off, as after any exit. Refused (409) unless another replica of the entry is ready.
 * - `POST /processes/<entry>/scale-up`: one more replica of the entry's current version, in the endpoints once
 *   ready; refused at {@link MAX_SCALED_REPLICAS} or during a rollout.
 */
export function replicaRoutes(options: {
  readonly supervisor: Supervisor;
  readonly processes: readonly ProcessSpec[];
  readonly endpoints: EndpointsFiles;
  readonly rollouts: RolloutController;
  readonly clock: Clock;
}) {
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const restart = /^\/replicas\/([a-z0-9-]+)\/restart$/.exec(path);
    const scale = /^\/processes\/([a-z0-9-]+)\/scale-up$/.exec(path);
    if (!restart && !scale) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    req.resume();
    if (restart) {
      const name = restart[1]!;
      const entry = options.processes.find((p) =>
        options.supervisor.replicasOf(p.name).some(({ spec }) => spec.name === name),
      );
      const replicas = entry ? options.supervisor.replicasOf(entry.name) : [];
      const target = replicas.find(({ spec }) => spec.name === name);
      if (!entry || !target) return json(res, 404, { error: `no replica '${name}'` });
      const pid = target.machine.snapshot().pid;
      if (pid === undefined) return json(res, 409, { error: `${name} has no running process` });
      if (!replicas.some(({ spec, machine }) => spec.name !== name && machine.ready)) {
        return json(res, 409, {
          error: `${name}: no other replica of ${entry.name} is ready; not restarting the last one`,
        });
      }
      try {
        process.kill(-pid, 'SIGTERM');
      } catch (error) {
        return json(res, 409, { error: `${name}: ${(error as Error).message}` });
      }
      return json(res, 202, { restarting: name, pid });
    }
    const name = scale![1]!;
    const entry = options.processes.find((p) => p.name === name);
    if (!entry) return json(res, 404, { error: `no entry '${name}'` });
    if (options.rollouts.busy) return json(res, 409, { error: 'a rollout is under way' });
    const running = options.supervisor.replicasOf(name);
    if (running.length >= MAX_SCALED_REPLICAS) {
      return json(res, 409, {
        error: `${name} already runs ${running.length} replicas (bound ${MAX_SCALED_REPLICAS})`,
      });
    }
    const used = new Set(running.map(({ spec }) => spec.index));
    const version = options.rollouts.versionOfEntry(name);
    const spare = [...entry.replicas, ...(entry.spares ?? [])].find((spec) => !used.has(spec.index));
    if (!spare || spare.port === undefined)
      return json(res, 409, { error: `${name}: no free replica index` });
    const spec = options.rollouts.specFor(spare, version);
    const machine = options.supervisor.addReplica(name, spec);
    const subscription = machine.onEvent((event) => {
      if (event.type !== 'ready') return;
      subscription.dispose();
      options.endpoints.add(name, spec.name, spec.port ?? 0);
    });
    return json(res, 202, { adding: spec.name, replicas: running.length + 1 });
  };
}
