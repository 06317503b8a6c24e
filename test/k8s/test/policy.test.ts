/** One test per line of the checklist (../shared/notes/k8s-checklist.md §1), over the rendered kind overlay + KEDA. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  cnpgClusters,
  cnpgInstanceLabels,
  type Json,
  type K8sObject,
  MAX_OLD_SPACE_MI,
  mebibytes,
  probePort,
  ROLLOUT_HASH_LABEL,
  renderCombination,
  SERVICES,
  selects,
  skipUnlessKustomize,
  type Workload,
  workloads,
} from '../src/index.ts';
import { repoRoot } from '../src/repo.paths.ts';

const skip = skipUnlessKustomize();
/** Services whose degradation flags the remediation controller switches on each pod's admin port. */
const FLAGGED = new Set(
  [
    ...readFileSync(join(repoRoot, 'infra', 'remediation', 'src', 'actions.flags.ts'), 'utf8').matchAll(
      /^\s+service: '([a-z-]+)',$/gm,
    ),
  ].map((m) => m[1]),
);
const APP_NAMES = new Set(SERVICES.map((s) => s.name));
/** Third-party images whose entrypoint writes into the image (documented in their component README). */
const WRITABLE_ROOT = new Set(['kafka']);
/** Workloads that call the Kubernetes API (service discovery, object state). */
const NEEDS_API_TOKEN = new Set(['prometheus', 'kube-state-metrics', 'remediation']);
const ALLOWED_API_VERSIONS = new Set([
  'v1',
  'apps/v1',
  'policy/v1',
  'autoscaling/v2',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
  'keda.sh/v1alpha1',
  'postgresql.cnpg.io/v1',
  'barmancloud.cnpg.io/v1',
  'argoproj.io/v1alpha1',
]);

let objects: K8sObject[] = [];
let all: Workload[] = [];
let apps: Workload[] = [];
const spec = (o: K8sObject) => o.spec as Json;
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);

describe('checklist policies on the kind overlay (+ keda-notifications)', { skip }, () => {
  before(async () => {
    objects = await renderCombination(['overlays/kind'], ['keda-notifications']);
    all = workloads(objects);
    apps = all.filter((w) => APP_NAMES.has(w.name) && w.namespace === 'rebound');
    assert.equal(apps.length, SERVICES.length);
  });

  it('labels every app with app.kubernetes.io/{name,component,part-of,version}; selectors use name only', () => {
    for (const w of apps) {
      for (const labels of [w.object.metadata.labels ?? {}, w.templateLabels]) {
        assert.equal(labels['app.kubernetes.io/name'], w.name);
        assert.ok(labels['app.kubernetes.io/component'], `${w.name}: component`);
        assert.equal(labels['app.kubernetes.io/part-of'], 'rebound');
        assert.match(labels['app.kubernetes.io/version'] ?? '', /^\d+\.\d+\.\d+/);
      }
      assert.deepEqual(spec(w.object).selector, { matchLabels: { 'app.kubernetes.io/name': w.name } });
    }
  });

  it('sets no replicas on the Rollout an HPA or a ScaledObject owns, and every app has exactly one owner', () => {
    for (const w of apps) {
      const hpas = ofKind('HorizontalPodAutoscaler').filter((h) => spec(h).scaleTargetRef.name === w.name);
      const scaled = ofKind('ScaledObject').filter((s) => spec(s).scaleTargetRef.name === w.name);
      assert.equal(
        hpas.length + scaled.length,
        1,
        `${w.name}: ${hpas.length} HPAs, ${scaled.length} ScaledObjects`,
      );
      const rollout = ofKind('Rollout').find((r) => r.metadata.name === w.name);
      assert.ok(rollout, `${w.name}: no Rollout`);
      assert.equal(spec(rollout).replicas, undefined, `${w.name}: the Rollout sets replicas`);
      // The Deployment only holds the template the Rollout runs (workloadRef): it runs no pod itself.
      assert.equal(spec(w.object).replicas, 0, `${w.name}: the Deployment must stay at 0 replicas`);
    }
  });

  it('gives every app startup, liveness and readiness probes on ports the container declares', () => {
    for (const w of apps) {
      for (const c of w.pod.containers) {
        for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
          const probe = c[kind];
          assert.ok(probe, `${w.name}: no ${kind}`);
          assert.ok(probePort(c, probe), `${w.name}: ${kind} port is not a container port`);
        }
        assert.equal(
          c.livenessProbe?.httpGet?.path,
          '/livez',
          `${w.name}: liveness must be the process-local /livez`,
        );
        assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
        const startup = c.startupProbe as { periodSeconds: number; failureThreshold: number };
        assert.ok(
          startup.periodSeconds * startup.failureThreshold >= 60,
          `${w.name}: start-up budget under 60 s`,
        );
      }
    }
  });

  it('probes every other workload too, on declared ports', () => {
    for (const w of all) {
      for (const c of w.pod.containers) {
        assert.ok(c.livenessProbe && c.readinessProbe, `${w.name}/${c.name}: liveness and readiness`);
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
          if (probe && !probe.exec)
            assert.ok(probePort(c, probe), `${w.name}/${c.name}: probe port undeclared`);
        }
      }
    }
  });

  it('requests CPU and memory and limits memory everywhere; the V8 heap is 75% of the app limit', () => {
    for (const w of all) {
      for (const c of w.pod.containers) {
        assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${w.name}: requests`);
        assert.ok(c.resources?.limits?.memory, `${w.name}: memory limit`);
        assert.equal(
          c.resources?.limits?.cpu,
          undefined,
          `${w.name}: CPU limits are not used (docs/kubernetes.md)`,
        );
      }
    }
    for (const w of apps) {
      const c = w.pod.containers[0];
      assert.ok(c);
      const limit = mebibytes(c.resources?.limits?.memory ?? '0Mi');
      const options = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const heap = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
      assert.equal(heap, Math.floor(limit * 0.75), `${w.name}: heap ${heap} vs limit ${limit}`);
      assert.equal(heap, MAX_OLD_SPACE_MI);
    }
  });

  it('gives every HPA autoscaling/v2 behaviour: instant scale-up by 2 pods or 100%, 120 s scale-down window', () => {
    const hpas = ofKind('HorizontalPodAutoscaler');
    assert.ok(hpas.length >= SERVICES.length - 1);
    for (const h of hpas) {
      const s = spec(h);
      assert.equal(h.apiVersion, 'autoscaling/v2');
      assert.ok(s.minReplicas >= 2 && s.maxReplicas > s.minReplicas, `${h.metadata.name}: min/max`);
      assert.ok(
        objects.some(
          (o) =>
            o.kind === s.scaleTargetRef.kind &&
            o.apiVersion === s.scaleTargetRef.apiVersion &&
            o.metadata.name === s.scaleTargetRef.name,
        ),
        `${h.metadata.name}: scaleTargetRef names nothing rendered`,
      );
      assert.equal(s.behavior.scaleUp.stabilizationWindowSeconds, 0);
      assert.equal(s.behavior.scaleUp.selectPolicy, 'Max');
      assert.deepEqual(
        s.behavior.scaleUp.policies.map((p: Json) => `${p.type}:${p.value}/${p.periodSeconds}`).sort(),
        ['Percent:100/15', 'Pods:2/15'],
      );
      assert.equal(s.behavior.scaleDown.stabilizationWindowSeconds, 120);
      assert.ok(s.metrics.length > 0, 'an HPA needs a target metric');
    }
  });

  it('covers every app with one PDB: maxUnavailable 1, unhealthyPodEvictionPolicy AlwaysAllow', () => {
    for (const w of apps) {
      const pdbs = ofKind('PodDisruptionBudget').filter((p) => selects(spec(p).selector, w.templateLabels));
      assert.equal(pdbs.length, 1, `${w.name}: ${pdbs.length} PDBs`);
      const pdb = spec(pdbs[0] as K8sObject);
      assert.equal(pdb.maxUnavailable, 1);
      assert.equal(pdb.minAvailable, undefined);
      assert.equal(pdb.unhealthyPodEvictionPolicy, 'AlwaysAllow');
    }
  });

  it('spreads every app over nodes without leaving pods Pending', () => {
    for (const w of apps) {
      const [constraint] = w.pod.topologySpreadConstraints ?? [];
      assert.ok(constraint, `${w.name}: no topologySpreadConstraints`);
      assert.equal(constraint.topologyKey, 'kubernetes.io/hostname');
      assert.equal(constraint.maxSkew, 1);
      assert.equal(constraint.whenUnsatisfiable, 'ScheduleAnyway');
      assert.deepEqual(constraint.matchLabelKeys, [ROLLOUT_HASH_LABEL]);
      assert.ok(selects(constraint.labelSelector as Json, w.templateLabels));
    }
  });

  it('labels every namespace Pod Security restricted, and every pod meets it', () => {
    const namespaces = ofKind('Namespace');
    const used = new Set(
      objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined),
    );
    for (const name of used) {
      const ns = namespaces.find((n) => n.metadata.name === name);
      assert.ok(ns, `namespace ${name} is not rendered`);
      assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted', name);
    }
    for (const w of all) {
      const pod = w.pod.securityContext ?? {};
      assert.equal(pod.runAsNonRoot, true, `${w.name}: runAsNonRoot`);
      assert.equal(typeof pod.runAsUser, 'number', `${w.name}: numeric runAsUser`);
      assert.ok((pod.runAsUser as number) > 0);
      assert.deepEqual(pod.seccompProfile, { type: 'RuntimeDefault' }, w.name);
      assert.ok(!w.pod.hostNetwork && !w.pod.hostPID && !w.pod.hostIPC, `${w.name}: host namespaces`);
      assert.ok(!(w.pod.volumes ?? []).some((v) => v.hostPath), `${w.name}: hostPath`);
      for (const c of w.pod.containers) {
        const sc = c.securityContext ?? {};
        assert.equal(sc.allowPrivilegeEscalation, false, `${w.name}: allowPrivilegeEscalation`);
        assert.equal(sc.privileged ?? false, false);
        assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${w.name}: drop ALL`);
        assert.ok((sc.capabilities?.add ?? []).every((cap) => cap === 'NET_BIND_SERVICE'));
        assert.ok(!(c.ports ?? []).some((p) => 'hostPort' in p), `${w.name}: hostPort`);
        if (!WRITABLE_ROOT.has(w.name))
          assert.equal(sc.readOnlyRootFilesystem, true, `${w.name}: read-only root`);
      }
    }
  });

  it('mounts an emptyDir at /tmp in every app (read-only root) and automounts no token unless the API is needed', () => {
    for (const w of apps) {
      const mount = w.pod.containers[0]?.volumeMounts?.find((m) => m.mountPath === '/tmp');
      assert.ok(mount, `${w.name}: /tmp`);
      assert.ok(
        w.pod.volumes?.find((v) => v.name === mount.name)?.emptyDir,
        `${w.name}: /tmp is not an emptyDir`,
      );
    }
    for (const w of all) {
      const account = ofKind('ServiceAccount').find(
        (a) =>
          a.metadata.name === (w.pod.serviceAccountName ?? 'default') && a.metadata.namespace === w.namespace,
      );
      assert.ok(account, `${w.name}: its ServiceAccount is not rendered`);
      if (NEEDS_API_TOKEN.has(w.name)) continue;
      assert.equal((account as Json).automountServiceAccountToken, false, `${w.name}: account automount`);
      const flagged = SERVICES.find((s) => s.name === w.name)?.degradationFlags === true;
      assert.equal(w.pod.automountServiceAccountToken, flagged, `${w.name}: pod automount`);
    }
  });

  it("keeps each flagged service's degradation flags in its own ConfigMap, which only its pods may get and patch", () => {
    const code = readFileSync(
      join(repoRoot, 'libs/service-defaults/src/degradation/configmap-degradation.store.ts'),
      'utf8',
    );
    const verbs = [...code.matchAll(/kube\.(get|post|patch|delete)\(/g)].map((m) => m[1]).sort();
    assert.deepEqual(verbs, ['get', 'patch'], 'the store calls the API with these verbs only');
    for (const service of SERVICES) {
      const name = `${service.name}-degradation`;
      const app = apps.find((w) => w.name === service.name) as Workload;
      const configMap = app.pod.containers[0]?.env?.find((e) => e.name === 'DEGRADATION_CONFIGMAP')?.value;
      if (!service.degradationFlags) {
        assert.equal(configMap, undefined, `${service.name}: no flags, no ConfigMap`);
        continue;
      }
      assert.equal(configMap, name);
      assert.ok(
        ofKind('ConfigMap').some((c) => c.metadata.name === name && c.metadata.namespace === 'rebound'),
      );
      const role = ofKind('Role').find((r) => r.metadata.name === name) as Json;
      assert.deepEqual(role.rules, [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: [name], verbs: verbs },
      ]);
      const binding = ofKind('RoleBinding').find((b) => (b as Json).roleRef.name === name) as Json;
      assert.deepEqual(binding.subjects, [
        { kind: 'ServiceAccount', name: app.pod.serviceAccountName, namespace: 'rebound' },
      ]);
    }
    assert.deepEqual(
      SERVICES.filter((s) => s.degradationFlags)
        .map((s) => s.name)
        .sort(),
      [...FLAGGED].sort(),
      'the services whose flags the remediation controller switches are the ones with a ConfigMap',
    );
  });

  it('waits out endpoint removal before SIGTERM and gives the drain its time', () => {
    for (const w of apps) {
      const c = w.pod.containers[0];
      const sleep = c?.lifecycle?.preStop?.sleep?.seconds ?? 0;
      assert.ok(sleep >= 5, `${w.name}: preStop sleep`);
      const envMs = (name: string) => Number(c?.env?.find((e) => e.name === name)?.value);
      const drainSeconds = (envMs('SHUTDOWN_DRAIN_DELAY_MS') + envMs('SHUTDOWN_DRAIN_TIMEOUT_MS')) / 1000;
      assert.ok(Number.isFinite(drainSeconds), `${w.name}: drain variables`);
      const grace = w.pod.terminationGracePeriodSeconds ?? 30;
      assert.ok(grace > sleep + drainSeconds, `${w.name}: grace ${grace} <= ${sleep} + ${drainSeconds}`);
    }
  });

  it('pins every image to an exact tag, never latest, pulled IfNotPresent', () => {
    for (const w of all) {
      for (const c of w.pod.containers) {
        // `name:tag` or `name:tag@sha256:<digest>` (third-party images are pinned by digest too).
        const [, tag] = /:([^:/@]+)(@sha256:[a-f0-9]{64})?$/.exec(c.image) ?? [];
        assert.ok(tag, `${c.image}: no tag`);
        assert.notEqual(tag, 'latest');
        assert.match(tag, /^v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/, `${c.image}: not an exact version`);
        assert.equal(c.imagePullPolicy, 'IfNotPresent', c.image);
      }
    }
  });

  it('names every Service port, selects a workload, and targets a port its pods declare', () => {
    for (const service of ofKind('Service')) {
      const s = spec(service);
      const targets = all.filter(
        (w) =>
          w.namespace === service.metadata.namespace &&
          selects({ matchLabels: s.selector }, w.templateLabels),
      );
      assert.ok(targets.length > 0, `Service ${service.metadata.name} selects nothing`);
      for (const port of s.ports) {
        assert.ok(port.name, `Service ${service.metadata.name}: unnamed port`);
        for (const w of targets) {
          const declared = w.pod.containers.flatMap((c) => c.ports ?? []);
          assert.ok(
            declared.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
            `Service ${service.metadata.name}: targetPort ${port.targetPort} not on ${w.name}`,
          );
        }
      }
    }
    for (const w of apps) {
      const service = ofKind('Service').find((s) => s.metadata.name === w.name);
      assert.ok(service, `${w.name}: no Service`);
      assert.ok(spec(service).ports.some((p: Json) => p.name === 'metrics' && p.targetPort === 'admin'));
      const grpc = SERVICES.find((x) => x.name === w.name)?.transport === 'grpc';
      if (grpc) assert.equal(spec(service).clusterIP, 'None', `${w.name}: gRPC Service must be headless`);
    }
  });

  it('denies by default, admits each service only from its callers and monitoring, and selects real pods', () => {
    const policies = ofKind('NetworkPolicy');
    const deny = policies.find(
      (p) => Object.keys(spec(p).podSelector).length === 0 && !spec(p).ingress && !spec(p).egress,
    );
    assert.ok(deny, 'no default-deny policy');
    assert.deepEqual([...spec(deny).policyTypes].sort(), ['Egress', 'Ingress']);
    // The operator creates the CloudNativePG instance pods: no workload of them is rendered.
    const pods = [...all.map((w) => w.templateLabels), ...cnpgClusters(objects).map(cnpgInstanceLabels)];
    for (const p of policies) {
      if (Object.keys(spec(p).podSelector).length === 0) continue;
      assert.ok(
        pods.some((labels) => selects(spec(p).podSelector, labels)),
        `${p.metadata.name} selects no pod`,
      );
    }
    for (const svc of SERVICES) {
      const w = apps.find((a) => a.name === svc.name) as Workload;
      const rules = policies
        .filter(
          (p) =>
            Object.keys(spec(p).podSelector).length > 0 && selects(spec(p).podSelector, w.templateLabels),
        )
        .flatMap((p) => spec(p).ingress ?? []);
      const admitted = (port: number) =>
        rules
          .filter((r: Json) => (r.ports ?? []).some((p: Json) => p.port === port))
          .flatMap((r: Json) => r.from ?? ['*']);
      const trafficPort = svc.transport === 'grpc' ? 50051 : svc.transport === 'http' ? 8080 : undefined;
      if (trafficPort !== undefined) {
        const from = admitted(trafficPort);
        if (svc.callers.includes('*')) assert.ok(from.includes('*'), `${svc.name}: the edge admits anyone`);
        else {
          const names = from.map((f: Json) => f.podSelector?.matchLabels?.['app.kubernetes.io/name']).sort();
          assert.deepEqual(names, [...svc.callers].sort(), `${svc.name}: callers`);
        }
      }
      const metrics = admitted(9464);
      assert.deepEqual(
        metrics.map(
          (f: Json) =>
            f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ??
            `pods:${f.podSelector?.matchLabels?.['app.kubernetes.io/name']}`,
        ),
        FLAGGED.has(svc.name) ? ['monitoring', 'pods:remediation'] : ['monitoring'],
        `${svc.name}: admin port (metrics; degradation flags from the remediation controller)`,
      );
    }
    const dns = policies
      .flatMap((p) => spec(p).egress ?? [])
      .find((e: Json) => e.ports?.some((x: Json) => x.port === 53));
    assert.ok(dns, 'no DNS egress');
    assert.deepEqual(dns.ports.map((p: Json) => p.protocol).sort(), ['TCP', 'UDP']);
  });

  it('resolves every Secret key, ConfigMap volume and ServiceAccount a pod refers to', () => {
    const find = (kind: string, namespace: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
    for (const w of all) {
      for (const e of w.pod.containers.flatMap((c) => c.env ?? [])) {
        const ref = (e.valueFrom as Json)?.secretKeyRef;
        if (!ref) continue;
        const secret = find('Secret', w.namespace, ref.name) as Json;
        assert.ok(secret, `${w.name}: Secret ${ref.name} is not rendered`);
        assert.ok(ref.key in (secret.data ?? {}), `${w.name}: Secret ${ref.name} has no key ${ref.key}`);
      }
      for (const v of (w.pod.volumes ?? []) as Json[]) {
        if (v.configMap)
          assert.ok(find('ConfigMap', w.namespace, v.configMap.name), `${w.name}: ${v.configMap.name}`);
      }
      // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
      const claims = ((spec(w.object).volumeClaimTemplates ?? []) as Json[]).map((t) => t.metadata.name);
      for (const c of w.pod.containers) {
        for (const m of c.volumeMounts ?? []) {
          assert.ok(
            (w.pod.volumes ?? []).some((v) => v.name === m.name) || claims.includes(m.name),
            `${w.name}: mount ${m.name} has no volume`,
          );
        }
      }
    }
  });

  it('keeps secrets out of plain env values and uses no deprecated API versions', () => {
    for (const w of all) {
      for (const e of w.pod.containers.flatMap((c) => c.env ?? [])) {
        if (/TOKEN|PASSWORD|SECRET|API_KEYS|DATABASE_URL/.test(e.name)) {
          assert.equal(e.value, undefined, `${w.name}: ${e.name} is a plain value`);
        }
      }
    }
    for (const o of objects) assert.ok(ALLOWED_API_VERSIONS.has(o.apiVersion), `${o.kind}: ${o.apiVersion}`);
  });
});
