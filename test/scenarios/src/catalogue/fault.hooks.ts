import type { FaultContext } from '../scenario.types.ts';

/** The settings `POST /admin/faults` takes (libs/service-defaults `faultSettingsSchema`). */
export interface ServiceFaults {
  readonly latencyMs?: number;
  readonly errorRate?: number;
  readonly errorCode?: 'UNAVAILABLE' | 'INTERNAL' | 'RESOURCE_EXHAUSTED' | 'DEADLINE_EXCEEDED' | 'ABORTED';
  readonly hang?: boolean;
  readonly leakMbPerSecond?: number;
  readonly cpuBurnPercent?: number;
  readonly crash?: boolean;
  /** Partitioned links from this service to a peer (caller side); `[]` heals them. */
  readonly links?: readonly LinkFault[];
}

/** One partitioned link of `POST /admin/faults`: the caller's calls to `target` blackholed or refused. */
export interface LinkFault {
  readonly target: string;
  /** One replica of the peer only, as host:port. */
  readonly replica?: string;
  readonly mode: 'blackhole' | 'refuse';
}

async function expectOk(
  { target }: FaultContext,
  replica: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const answer = await target.admin(replica, method, path, body);
  if (answer.status >= 300) {
    throw new Error(
      `${method} ${path} on ${replica} answered ${answer.status}: ${JSON.stringify(answer.json)}`,
    );
  }
}

/** Replicas named, or every replica of `process` when `replicas` is omitted. */
async function replicasOf(
  context: FaultContext,
  process: string,
  replicas?: readonly number[],
): Promise<string[]> {
  const all = await context.target.replicas(process);
  return replicas === undefined ? all : replicas.map((index) => `${process}-${index}`);
}

/** `POST /admin/faults` on the replicas; the fault hooks of libs/service-defaults. */
export async function setFaults(
  context: FaultContext,
  process: string,
  faults: ServiceFaults,
  replicas?: readonly number[],
): Promise<void> {
  for (const replica of await replicasOf(context, process, replicas)) {
    await expectOk(context, replica, 'POST', '/admin/faults', faults);
  }
}

/** `DELETE /admin/faults` (everything off) on the replicas; a replica that is down is skipped. */
export async function resetFaults(
  context: FaultContext,
  process: string,
  replicas?: readonly number[],
): Promise<void> {
  for (const replica of await replicasOf(context, process, replicas)) {
    await context.target.admin(replica, 'DELETE', '/admin/faults').catch(() => undefined);
  }
}

/** An authenticated admin call that must succeed (a service's own hook: processor, handler faults, saga hold). */
export function adminCall(
  context: FaultContext,
  replica: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  return expectOk(context, replica, method, path, body);
}

/** Runs `action` for every replica of `process` (e.g. thaw after a freeze); errors of replicas already gone are ignored. */
export async function eachReplica(
  context: FaultContext,
  process: string,
  action: (replica: string) => Promise<void>,
): Promise<void> {
  for (const replica of await context.target.replicas(process)) await action(replica).catch(() => undefined);
}
