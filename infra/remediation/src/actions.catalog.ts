import type { ActionDefinition, Check } from './action.types.ts';
import { type AdminReplica, FLAG_SPECS, type FlagReach, flagAction } from './actions.flags.ts';
import type { SupervisorClient } from './supervisor.client.ts';

interface StatusRow {
  readonly name: string;
  readonly process: string;
  readonly state: string;
  readonly ready: boolean;
  readonly pid?: number;
  readonly adminPort?: number;
}

async function rows(supervisor: SupervisorClient): Promise<StatusRow[]> {
  const answer = await supervisor.get('/status');
  if (answer.status !== 200) throw new Error(`supervisor /status: HTTP ${answer.status}`);
  return (answer.body as { rows: StatusRow[] }).rows;
}

const answered = (what: string, answer: { status: number; body: unknown }): Check =>
  answer.status === 202
    ? { ok: true, detail: `${what}: ${JSON.stringify(answer.body)}` }
    : {
        ok: false,
        detail: `${what} refused (HTTP ${answer.status}): ${(answer.body as { error?: string }).error ?? ''}`,
      };

const MINUTE = 60_000;

/** Restarts one replica that fails where its siblings do not (alert `ReplicaErrorRatioOutlier`). */
export const restartReplica: ActionDefinition = {
  name: 'restart-replica',
  runbook: 'docs/runbooks/ReplicaErrorRatioOutlier.md',
  cooldownMs: 10 * MINUTE,
  rateLimit: { max: 3, windowMs: 30 * MINUTE },
  target: (alert) => alert.labels.instance,
  async precondition(target, supervisor) {
    const all = await rows(supervisor);
    const row = all.find((r) => r.name === target);
    if (!row) return { ok: false, detail: `${target} is not a replica the supervisor runs` };
    if (row.pid === undefined)
      return { ok: false, detail: `${target} has no running process (${row.state})` };
    const others = all.filter((r) => r.process === row.process && r.name !== target && r.ready);
    if (others.length === 0)
      return {
        ok: false,
        detail: `no other replica of ${row.process} is ready: not restarting the last one`,
      };
    return {
      ok: true,
      detail: `${target} runs (pid ${row.pid}); ${others.map((r) => r.name).join(', ')} ready`,
    };
  },
  async run(target, _alert, supervisor) {
    return answered(`restart ${target}`, await supervisor.post(`/replicas/${target}/restart`));
  },
};

interface RolloutView {
  readonly process: string;
  readonly phase: string;
  readonly endedAt?: string;
  readonly to: { name: string };
}

/** Rolls back the rollout under way or the last one completed of the service (alert `RolloutErrorRatioHigh`). */
export const rollbackLastRollout: ActionDefinition = {
  name: 'rollback-last-rollout',
  runbook: 'docs/runbooks/RolloutErrorRatioHigh.md',
  cooldownMs: 30 * MINUTE,
  rateLimit: { max: 2, windowMs: 60 * MINUTE },
  target: (alert) => alert.labels.service,
  async precondition(target, supervisor) {
    const answer = await supervisor.get('/rollouts');
    if (answer.status !== 200) return { ok: false, detail: `supervisor /rollouts: HTTP ${answer.status}` };
    const { active, history } = answer.body as { active: RolloutView | null; history: RolloutView[] };
    if (active?.process === target)
      return { ok: true, detail: `a rollout of ${target} to ${active.to.name} is under way` };
    const last = history.find((r) => r.process === target);
    if (last?.phase !== 'Completed') {
      return { ok: false, detail: `no completed rollout of ${target} is the last one: nothing to roll back` };
    }
    return {
      ok: true,
      detail: `the last rollout of ${target} (to ${last.to.name}) completed at ${last.endedAt}`,
    };
  },
  async run(target, alert, supervisor) {
    const reason = `remediation: ${alert.labels.alertname} (${alert.annotations.summary ?? ''})`;
    return answered(
      `roll back ${target}`,
      await supervisor.post('/rollouts/rollback', { reason, process: target }),
    );
  },
};

/** One more replica of a saturated service, within the supervisor's bound (alert `ServiceSaturated`). */
export const addReplica: ActionDefinition = {
  name: 'add-replica',
  runbook: 'docs/runbooks/ServiceSaturated.md',
  cooldownMs: 10 * MINUTE,
  rateLimit: { max: 2, windowMs: 60 * MINUTE },
  target: (alert) => alert.labels.service,
  async precondition(target, supervisor) {
    const all = (await rows(supervisor)).filter((r) => r.process === target);
    if (all.length === 0) return { ok: false, detail: `the supervisor runs no ${target}` };
    if (all.length >= 4)
      return { ok: false, detail: `${target} already runs ${all.length} replicas (bound 4)` };
    return { ok: true, detail: `${target} runs ${all.length} replicas` };
  },
  async run(target, _alert, supervisor) {
    return answered(`add a replica of ${target}`, await supervisor.post(`/processes/${target}/scale-up`));
  },
};

/** Every replica of a service the supervisor runs, reached on its admin port on loopback. */
export const supervisorReach: FlagReach<SupervisorClient> = {
  async replicas(service, supervisor) {
    return (await rows(supervisor))
      .filter((r) => r.process === service)
      .map(
        (r): AdminReplica =>
          r.pid !== undefined && r.adminPort !== undefined
            ? { name: r.name, url: `http://127.0.0.1:${r.adminPort}` }
            : { name: r.name, url: undefined, note: `no running process (${r.state})` },
      );
  },
  post: (url, path, body, supervisor) => supervisor.admin(url, path, body),
};

/** The gateway answers product reads from its last good copy, without calling catalog (alert `CatalogUnavailable`). */
export const serveCachedCatalog = flagAction(FLAG_SPECS.serveCachedCatalog, supervisorReach);

/** Notifications hold delivery, events waiting in Kafka (alert `NotificationsFailing`). */
export const holdNotifications = flagAction(FLAG_SPECS.holdNotifications, supervisorReach);

export const ACTIONS: readonly ActionDefinition[] = [
  restartReplica,
  rollbackLastRollout,
  addReplica,
  serveCachedCatalog,
  holdNotifications,
];
