/**
 * The same declared actions on Kubernetes (the controller's Deployment in `k8s/components/remediation`, with
 * `--platform kubernetes`): same names, alerts, guardrails and runbooks as `actions.catalog.ts`, acting through
 * the API instead of the local supervisor. RBAC grants exactly what these calls need: every call below spells its
 * path as one template literal, which test/k8s reads to check the Role (k8s/components/remediation/rbac.yaml).
 */

import type { KubeClient } from '@rebound/kube';
import type { ActionDefinition, Check } from './action.types.ts';
import { addReplica, restartReplica, rollbackLastRollout } from './actions.catalog.ts';
import { type AdminReplica, FLAG_SPECS, type FlagReach, flagAction } from './actions.flags.ts';

const APP_LABEL = 'app.kubernetes.io/name';
const HASH_LABEL = 'rollouts-pod-template-hash';
const REVISION = 'rollout.argoproj.io/revision';

interface Meta {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: { kind: string; name: string }[];
}
interface Pod {
  metadata: Meta;
  status?: { conditions?: { type: string; status: string }[]; podIP?: string; phase?: string };
}
interface ReplicaSet {
  metadata: Meta;
  spec: { template: { metadata: Meta; spec: unknown } };
}
interface Rollout {
  status?: { currentPodHash?: string; stableRS?: string; abort?: boolean; phase?: string };
}

const ready = (pod: Pod) =>
  pod.metadata.deletionTimestamp === undefined &&
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const refused = (
  what: string,
  answer: { status: number; body: unknown },
): { readonly ok: false; readonly detail: string } => ({
  ok: false,
  detail: `${what} refused (HTTP ${answer.status}): ${(answer.body as { message?: string }).message ?? ''}`,
});

/** Evicts one pod that fails where its siblings do not; its ReplicaSet starts a new one. */
export const evictReplica: ActionDefinition<KubeClient> = {
  ...restartReplica,
  undo: undefined,
  async precondition(target, kube) {
    const answer = await kube.get(`/api/v1/namespaces/${kube.namespace}/pods/${target}`);
    if (answer.status === 404) return { ok: false, detail: `no pod ${target} in ${kube.namespace}` };
    if (answer.status !== 200) return refused(`reading pod ${target}`, answer);
    const pod = answer.body as Pod;
    if (pod.metadata.deletionTimestamp) return { ok: false, detail: `${target} is already terminating` };
    const app = pod.metadata.labels?.[APP_LABEL];
    if (!app) return { ok: false, detail: `${target} has no ${APP_LABEL} label` };
    const list = await kube.get(
      `/api/v1/namespaces/${kube.namespace}/pods?labelSelector=${encodeURIComponent(`${APP_LABEL}=${app}`)}`,
    );
    if (list.status !== 200) return refused(`listing pods of ${app}`, list);
    const others = (list.body as { items: Pod[] }).items.filter(
      (p) => p.metadata.name !== target && ready(p),
    );
    if (others.length === 0)
      return { ok: false, detail: `no other pod of ${app} is ready: not evicting the last one` };
    return {
      ok: true,
      detail: `${target} runs; ${others.map((p) => p.metadata.name).join(', ')} ready`,
    };
  },
  async run(target, _alert, kube) {
    // An eviction, not a delete: the PodDisruptionBudget has its say.
    const answer = await kube.post(`/api/v1/namespaces/${kube.namespace}/pods/${target}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: target, namespace: kube.namespace },
    });
    if (answer.status === 200 || answer.status === 201)
      return { ok: true, detail: `evicted ${target}: its ReplicaSet starts a replacement` };
    return refused(`evicting ${target}`, answer);
  },
};

type Plan =
  | { readonly ok: false; readonly detail: string }
  | { readonly ok: true; readonly kind: 'abort'; readonly detail: string }
  | { readonly ok: true; readonly kind: 'undo'; readonly detail: string; readonly template: unknown };

/**
 * What rolling back `name` means now: abort the canary under way (the stable ReplicaSet takes every pod back), or
 * put the previous revision's template back into the Deployment the Rollout reads (`workloadRef`), which the
 * Rollout's `rollbackWindow` applies without canary steps.
 */
async function plan(name: string, kube: KubeClient): Promise<Plan> {
  const answer = await kube.get(`/apis/argoproj.io/v1alpha1/namespaces/${kube.namespace}/rollouts/${name}`);
  if (answer.status === 404) return { ok: false, detail: `no Rollout ${name} in ${kube.namespace}` };
  if (answer.status !== 200) return refused(`reading Rollout ${name}`, answer);
  const status = (answer.body as Rollout).status ?? {};
  if (!status.currentPodHash) return { ok: false, detail: `Rollout ${name} has no revision yet` };
  if (status.currentPodHash !== status.stableRS && !status.abort) {
    return { ok: true, kind: 'abort', detail: `a canary of ${name} (${status.currentPodHash}) is under way` };
  }
  const list = await kube.get(
    `/apis/apps/v1/namespaces/${kube.namespace}/replicasets?labelSelector=${encodeURIComponent(`${APP_LABEL}=${name}`)}`,
  );
  if (list.status !== 200) return refused(`listing ReplicaSets of ${name}`, list);
  const revisions = (list.body as { items: ReplicaSet[] }).items
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Rollout' && o.name === name))
    .map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[REVISION]) }))
    .filter((r) => Number.isInteger(r.revision))
    .sort((a, b) => b.revision - a.revision);
  const current = revisions.find((r) => r.rs.metadata.labels?.[HASH_LABEL] === status.currentPodHash);
  const previous = revisions.find((r) => current !== undefined && r.revision < current.revision);
  if (!current || !previous)
    return { ok: false, detail: `Rollout ${name} has no earlier revision to go back to` };
  const template = structuredClone(previous.rs.spec.template);
  delete template.metadata.labels?.[HASH_LABEL];
  const why = status.abort ? 'its last rollout was aborted' : 'its last rollout completed';
  return {
    ok: true,
    kind: 'undo',
    detail: `${why}: back from revision ${current.revision} to ${previous.revision}`,
    template,
  };
}

/** Aborts the canary under way, or undoes the last rollout (alert `ServiceErrorRatioHigh`). */
export const rollbackRollout: ActionDefinition<KubeClient> = {
  ...rollbackLastRollout,
  undo: undefined,
  async precondition(target, kube) {
    const next = await plan(target, kube);
    return { ok: next.ok, detail: next.detail } as Check;
  },
  async run(target, _alert, kube) {
    const next = await plan(target, kube);
    if (!next.ok) return next;
    if (next.kind === 'abort') {
      const answer = await kube.patch(
        `/apis/argoproj.io/v1alpha1/namespaces/${kube.namespace}/rollouts/${target}/status`,
        { status: { abort: true } },
        'merge',
      );
      return answer.status === 200
        ? { ok: true, detail: `aborted the canary of ${target}: the stable pods take over` }
        : refused(`aborting ${target}`, answer);
    }
    const answer = await kube.patch(
      `/apis/apps/v1/namespaces/${kube.namespace}/deployments/${target}`,
      [{ op: 'replace', path: '/spec/template', value: next.template }],
      'json',
    );
    return answer.status === 200
      ? { ok: true, detail: `${next.detail}: the Deployment's template is the previous one again` }
      : refused(`undoing ${target}`, answer);
  },
};

/** Declared so the alert is audited with its reason: on Kubernetes the HPA adds replicas, not this controller. */
export const addReplicaByHpa: ActionDefinition<KubeClient> = {
  ...addReplica,
  undo: undefined,
  async precondition(target) {
    return {
      ok: false,
      detail: `on Kubernetes the HorizontalPodAutoscaler scales ${target} (kubectl get hpa ${target}): not acting`,
    };
  },
  async run() {
    return { ok: false, detail: 'not run on Kubernetes' };
  },
};

/**
 * Every pod of a service (label `app.kubernetes.io/name`), reached on its admin port at the pod's IP, so each
 * replica is switched (a Service would reach one). Terminating pods are left out; a pod without an IP yet is
 * reported. The network-policies component lets the controller's pods reach the admin port.
 */
export const podReach: FlagReach<KubeClient> = {
  async replicas(service, kube) {
    const list = await kube.get(
      `/api/v1/namespaces/${kube.namespace}/pods?labelSelector=${encodeURIComponent(`${APP_LABEL}=${service}`)}`,
    );
    if (list.status !== 200) throw new Error(refused(`listing pods of ${service}`, list).detail);
    return (list.body as { items: Pod[] }).items
      .filter((pod) => pod.metadata.deletionTimestamp === undefined)
      .map((pod): AdminReplica => {
        const ip = pod.status?.podIP;
        if (!ip || pod.status?.phase !== 'Running')
          return {
            name: pod.metadata.name,
            url: undefined,
            note: `not running (${pod.status?.phase ?? '?'})`,
          };
        return {
          name: pod.metadata.name,
          url: `http://${ip.includes(':') ? `[${ip}]` : ip}:${kube.adminPort}`,
        };
      });
  },
  post: (url, path, body, kube) => kube.podAdmin(url, path, body),
};

export const serveCachedCatalogOnPods = flagAction(FLAG_SPECS.serveCachedCatalog, podReach);
export const holdNotificationsOnPods = flagAction(FLAG_SPECS.holdNotifications, podReach);

export const KUBERNETES_ACTIONS: readonly ActionDefinition<KubeClient>[] = [
  evictReplica,
  rollbackRollout,
  addReplicaByHpa,
  serveCachedCatalogOnPods,
  holdNotificationsOnPods,
];
