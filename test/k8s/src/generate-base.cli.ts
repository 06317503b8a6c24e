/**
 * Renders `k8s/base/<service>.yaml` from `services.config.ts`: one uniform, hardened shape for every service, so one
 * patch fits all and no file drifts, plus `k8s/base/analysis-templates.yaml` (the canary analysis of
 * `canary.analysis.ts`). Each service runs as an Argo Rollouts `Rollout` (canary, analysed on Prometheus, aborted
 * on a failed analysis) whose pod template is the service's Deployment (`workloadRef`, Deployment at 0 replicas:
 * Argo's documented way to keep a Deployment as the source of the template, so every component that patches the
 * Deployments keeps working), with its Service, ServiceAccount, PodDisruptionBudget and an HPA scaling the Rollout.
 * `node test/k8s/src/generate-base.cli.ts` rewrites the files; the suite fails when a committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { analysisTemplate, canaryStrategy, TRAFFIC } from './canary.analysis.ts';
import { repoRoot } from './repo.paths.ts';
import {
  ADMIN_PORT,
  GRPC_PORT,
  HTTP_PORT,
  IMAGE_VERSION,
  MAX_OLD_SPACE_MI,
  MEMORY_LIMIT_MI,
  PRESTOP_SLEEP_SECONDS,
  SERVICES,
  type ServiceSpec,
  SHUTDOWN_DRAIN_DELAY_MS,
  SHUTDOWN_DRAIN_TIMEOUT_MS,
  TERMINATION_GRACE_SECONDS,
} from './services.config.ts';

type Env = { name: string; value?: string; valueFrom?: unknown };

function labels(spec: ServiceSpec): Record<string, string> {
  return {
    'app.kubernetes.io/name': spec.name,
    'app.kubernetes.io/component': spec.component,
    'app.kubernetes.io/part-of': 'rebound',
    'app.kubernetes.io/version': IMAGE_VERSION,
  };
}

function env(spec: ServiceSpec): Env[] {
  const list: Env[] = [
    {
      name: 'SERVICE_NAME',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } },
    },
    { name: 'SERVICE_INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'HOST', value: '0.0.0.0' },
  ];
  if (spec.transport === 'grpc') list.push({ name: 'GRPC_PORT', value: String(GRPC_PORT) });
  if (spec.transport === 'http') list.push({ name: 'HTTP_PORT', value: String(HTTP_PORT) });
  list.push({ name: 'ADMIN_PORT', value: String(ADMIN_PORT) });
  // `dns:///<callee>:50051`: @rebound/rpc resolves the headless Service to every ready pod (again every 10 s)
  // and balances round robin with outlier ejection per pod; a plain `catalog:50051` would be one grpc-js channel
  // pinned to one pod (pick_first). The short name, not `<callee>.<ns>.svc.cluster.local`: the caller's resolv.conf
  // search list finds it in the pod's own namespace on the first query (the FQDN has 4 dots < ndots:5, so it
  // would try the search domains first: three NXDOMAIN per lookup), and kustomize's `namespace:` does not rewrite
  // env values, so a namespace in the name would break an overlay that moves the base. The NetworkPolicies admit
  // callers by podSelector only, i.e. from the same namespace.
  for (const callee of spec.calls) {
    list.push({ name: `${callee.toUpperCase()}_ADDRS`, value: `dns:///${callee}:${GRPC_PORT}` });
  }
  if (spec.database) list.push({ name: 'DATA_DIR', value: '/data' });
  if (spec.transport === 'http') {
    list.push({
      name: 'API_KEYS',
      valueFrom: { secretKeyRef: { name: 'rebound-gateway', key: 'api-keys' } },
    });
  }
  list.push({ name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'rebound-admin', key: 'token' } } });
  if (spec.degradationFlags)
    list.push({ name: 'DEGRADATION_CONFIGMAP', value: degradationConfigMapName(spec) });
  list.push(
    { name: 'SHUTDOWN_DRAIN_DELAY_MS', value: String(SHUTDOWN_DRAIN_DELAY_MS) },
    { name: 'SHUTDOWN_DRAIN_TIMEOUT_MS', value: String(SHUTDOWN_DRAIN_TIMEOUT_MS) },
    { name: 'NODE_OPTIONS', value: `--max-old-space-size=${MAX_OLD_SPACE_MI}` },
  );
  return list;
}

function httpProbe(path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> {
  return { httpGet: { path, port: 'admin' }, periodSeconds, timeoutSeconds: 1, failureThreshold };
}

/** Argo Rollouts labels a Rollout's pods with their ReplicaSet's hash under this key (not `pod-template-hash`). */
export const ROLLOUT_HASH_LABEL = 'rollouts-pod-template-hash';
/** Where the AnalysisTemplates query Prometheus (the monitoring component's Service). */
export const PROMETHEUS_ADDRESS = 'http://prometheus.monitoring.svc:9090';
export const ANALYSIS_TEMPLATES_FILE = 'analysis-templates.yaml';

function deployment(spec: ServiceSpec): Record<string, unknown> {
  const ports: Record<string, unknown>[] = [];
  if (spec.transport === 'grpc') ports.push({ name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' });
  if (spec.transport === 'http') ports.push({ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' });
  ports.push({ name: 'admin', containerPort: ADMIN_PORT, protocol: 'TCP' });
  // gRPC services prove at start-up that the traffic port answers grpc.health.v1 (service ""), which the
  // server turns SERVING once it listens; the others use /startupz. Liveness and readiness are the admin
  // endpoints everywhere: /livez is process-local, /readyz covers draining, shedding and dependencies.
  const startupProbe =
    spec.transport === 'grpc'
      ? { grpc: { port: GRPC_PORT, service: '' }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 30 }
      : httpProbe('/startupz', 2, 30);
  const volumeMounts: Record<string, unknown>[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const volumes: Record<string, unknown>[] = [
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
  ];
  if (spec.database) {
    volumeMounts.push({ name: 'data', mountPath: '/data' });
    volumes.push({ name: 'data', emptyDir: { sizeLimit: '256Mi' } });
  }
  const selector = { 'app.kubernetes.io/name': spec.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.name, labels: labels(spec) },
    spec: {
      // The Rollout of the same name runs the pods of this template; the Deployment itself runs none (an update
      // is still a change to this template: the Rollout takes it as a new revision and canaries it).
      replicas: 0,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(spec) },
        spec: {
          serviceAccountName: spec.name,
          // Only a service with degradation flags talks to the API (its ConfigMap); the others get no token.
          automountServiceAccountToken: spec.degradationFlags,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
              // Spread each ReplicaSet (stable, canary) on its own.
              matchLabelKeys: [ROLLOUT_HASH_LABEL],
            },
          ],
          containers: [
            {
              name: 'app',
              image: `rebound/${spec.name}:${IMAGE_VERSION}`,
              imagePullPolicy: 'IfNotPresent',
              ports,
              env: env(spec),
              resources: {
                requests: { cpu: '100m', memory: `${MEMORY_LIMIT_MI}Mi` },
                limits: { memory: `${MEMORY_LIMIT_MI}Mi` },
              },
              startupProbe,
              livenessProbe: httpProbe('/livez', 5, 3),
              readinessProbe: httpProbe('/readyz', 2, 2),
              lifecycle: { preStop: { sleep: { seconds: PRESTOP_SLEEP_SECONDS } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

function rollout(spec: ServiceSpec): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: spec.name, labels: labels(spec) },
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns the count (every apply would reset it).
      revisionHistoryLimit: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': spec.name } },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.name, scaleDown: 'never' },
      // A canary that never becomes ready (the start-up budget is 60 s) aborts the rollout after 3 minutes.
      progressDeadlineSeconds: 180,
      progressDeadlineAbort: true,
      // Going back to one of the last 3 revisions (an undo, the remediation's rollback) skips the canary steps.
      rollbackWindow: { revisions: 3 },
      strategy: canaryStrategy(spec),
    },
  };
}

function service(spec: ServiceSpec): Record<string, unknown> {
  const ports: Record<string, unknown>[] = [];
  if (spec.transport === 'grpc') {
    ports.push({ name: 'grpc', port: GRPC_PORT, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' });
  }
  if (spec.transport === 'http')
    ports.push({ name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' });
  ports.push({ name: 'metrics', port: ADMIN_PORT, targetPort: 'admin', protocol: 'TCP' });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, labels: labels(spec) },
    spec: {
      // Headless for gRPC: DNS returns every ready pod, so clients balance per pod, not per connection.
      ...(spec.transport === 'grpc' && { clusterIP: 'None' }),
      selector: { 'app.kubernetes.io/name': spec.name },
      ports,
    },
  };
}

/** The ConfigMap that keeps a service's degradation flags for all its pods. */
export const degradationConfigMapName = (spec: Pick<ServiceSpec, 'name'>) => `${spec.name}-degradation`;

/** The flags' ConfigMap (created empty: a switch adds its key) and a Role that reads and patches it alone. */
function degradationStore(spec: ServiceSpec): Record<string, unknown>[] {
  const meta = { name: degradationConfigMapName(spec), labels: labels(spec) };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: {} },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [meta.name],
          verbs: ['get', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: meta.name },
      subjects: [{ kind: 'ServiceAccount', name: spec.name }],
    },
  ];
}

function others(spec: ServiceSpec): Record<string, unknown>[] {
  const meta = { name: spec.name, labels: labels(spec) };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta, automountServiceAccountToken: false },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta,
      spec: {
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { 'app.kubernetes.io/name': spec.name } },
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: spec.name },
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Pods', value: 2, periodSeconds: 15 },
              { type: 'Percent', value: 100, periodSeconds: 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: 120,
            selectPolicy: 'Max',
            policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
          },
        },
      },
    },
  ];
}

const yamlDocs = (docs: Record<string, unknown>[]) =>
  docs.map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');

/** The YAML text of `k8s/base/<service>.yaml`. */
export function renderBaseFile(spec: ServiceSpec): string {
  const header = `# Generated from test/k8s/src/services.config.ts by \`node test/k8s/src/generate-base.cli.ts\`: edit those, not this file.\n`;
  return (
    header +
    yamlDocs([
      deployment(spec),
      rollout(spec),
      service(spec),
      ...others(spec),
      ...(spec.degradationFlags ? degradationStore(spec) : []),
    ])
  );
}

/** The YAML text of `k8s/base/analysis-templates.yaml`: one AnalysisTemplate per kind of traffic. */
export function renderAnalysisTemplates(): string {
  const header = `# Generated from test/k8s/src/canary.analysis.ts by \`node test/k8s/src/generate-base.cli.ts\`: edit that, not this file.\n`;
  return header + yamlDocs(Object.values(TRAFFIC).map((t) => analysisTemplate(t, PROMETHEUS_ADDRESS)));
}

if (import.meta.main) {
  for (const spec of SERVICES) {
    writeFileSync(join(repoRoot, 'k8s', 'base', `${spec.name}.yaml`), renderBaseFile(spec));
  }
  writeFileSync(join(repoRoot, 'k8s', 'base', ANALYSIS_TEMPLATES_FILE), renderAnalysisTemplates());
  process.stdout.write(`wrote ${SERVICES.length + 1} files under k8s/base\n`);
}
