import type { K8sObject } from './manifest.renderer.ts';

/** The parts of a pod spec the policy tests read. */
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Probe {
  httpGet?: { path: string; port: number | string };
  grpc?: { port: number; service?: string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  periodSeconds?: number;
  failureThreshold?: number;
}
export interface PodSpec {
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown; hostPath?: unknown }[];
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: Record<string, unknown>[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}
export interface Workload {
  object: K8sObject;
  name: string;
  namespace: string;
  templateLabels: Record<string, string>;
  pod: PodSpec;
}

/** Deployments and StatefulSets with their pod templates. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((object) => {
      const template = (
        object.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }
      ).template;
      return {
        object,
        name: object.metadata.name,
        namespace: object.metadata.namespace ?? 'default',
        templateLabels: template.metadata.labels,
        pod: template.spec,
      };
    });
}

/** Whether a label selector (`matchLabels` + `matchExpressions` with In/NotIn/Exists) selects `labels`. */
export function selects(
  selector: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  },
  labels: Record<string, string>,
): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    if (e.operator === 'In') return value !== undefined && (e.values ?? []).includes(value);
    if (e.operator === 'NotIn') return value === undefined || !(e.values ?? []).includes(value);
    if (e.operator === 'Exists') return value !== undefined;
    if (e.operator === 'DoesNotExist') return value === undefined;
    throw new Error(`operator ${e.operator}`);
  });
  return byLabels && byExpressions;
}

/** `256Mi` → 256; `1Gi` → 1024 (MiB). */
export function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** A probe's port resolved against the container's ports (named or numeric), or undefined. */
export function probePort(container: Container, probe: Probe): number | undefined {
  const port = probe.httpGet?.port ?? probe.grpc?.port ?? probe.tcpSocket?.port;
  if (port === undefined) return undefined;
  const found = (container.ports ?? []).find((p) => p.name === port || p.containerPort === port);
  return found?.containerPort;
}
