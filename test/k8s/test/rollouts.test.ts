/**
 * The Argo Rollouts layer of the kind overlay, offline: Rollouts and AnalysisTemplates against the vendored CRD
 * schemas, every Rollout wired to its Deployment, template, HPA and PDB, every analysis query parsed by promtool
 * and reading only series the services export (from the code that names them) with labels the scrape job sets.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { parse, stringify } from 'yaml';
import {
  ARGO_ROLLOUTS_VERSION,
  GRPC_SERVER_FAILURES,
  HASH_LABEL,
  type Json,
  K8S_DIR,
  type K8sObject,
  PROMETHEUS_ADDRESS,
  ROLLOUT_HASH_LABEL,
  renderCombination,
  repoRoot,
  SERVICES,
  selects,
  skipUnlessKustomize,
  TRAFFIC,
  validateCustomResource,
  workloads,
} from '../src/index.ts';

const skip = skipUnlessKustomize();
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
let objects: K8sObject[] = [];
const spec = (o: K8sObject) => o.spec as Json;
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string, namespace = 'rebound') =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);

/** `{{args.x}}` → a sample value, so promtool sees the query Argo sends. */
const withArgs = (query: string) =>
  query.replace(/\{\{\s*args\.([a-z-]+)\s*\}\}/g, (_, arg: string) =>
    arg === 'service' ? 'catalog' : arg === 'canary-hash' ? '6d8f7c9b5' : '5c4b7f8d6',
  );

/** Metric names a PromQL expression reads: identifiers not followed by `(`, outside strings and braces. */
function metricNames(query: string): string[] {
  const stripped = query
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'by', 'on', 'sum', 'vector', 'bool']);
  return [
    ...new Set(
      [...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)]
        .filter((m) => !/^\s*\(/.test(stripped.slice((m.index ?? 0) + m[0].length)))
        .filter((m) => !/[0-9.]$/.test(stripped.slice(0, m.index ?? 0)))
        .map((m) => m[0])
        .filter((name) => !keywords.has(name)),
    ),
  ];
}

/** Label names of every selector in a query. */
function labelNames(query: string): string[] {
  return [
    ...new Set(
      [...query.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
        [...(m[1] as string).matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)\s*"/g)].map((l) => l[1] as string),
      ),
    ),
  ];
}

const queries = () =>
  ofKind('AnalysisTemplate').flatMap((t) =>
    spec(t).metrics.map((m: Json) => ({
      template: t.metadata.name,
      metric: m.name as string,
      query: m.provider.prometheus.query as string,
    })),
  );

describe('Argo Rollouts on the kind overlay (offline)', { skip }, () => {
  let dir = '';
  before(async () => {
    objects = await renderCombination(['overlays/kind'], []);
    dir = mkdtempSync(join(tmpdir(), 'rebound-rollouts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('pins the same Argo Rollouts version in kind:up and in the vendored schemas, installed before the overlay', () => {
    const lib = read('infra/kind/lib.sh');
    assert.match(lib, new RegExp(`^ARGO_ROLLOUTS_VERSION="${ARGO_ROLLOUTS_VERSION}"$`, 'm'));
    const up = read('infra/kind/up.sh');
    // The shell variable, spelt as in up.sh.
    const install = up.indexOf(
      ['argo-rollouts/releases/download/$', '{ARGO_ROLLOUTS_VERSION}/install.yaml'].join(''),
    );
    assert.ok(install > 0, 'up.sh does not install the pinned release');
    assert.ok(
      install < up.indexOf('Applying (server-side)'),
      'Argo Rollouts must be installed before the apply',
    );
    assert.match(up, /kubectl wait --for condition=Established[^\n]*crd\/rollouts\.argoproj\.io/);
  });

  it('validates every Rollout and AnalysisTemplate against the CRD schemas, and the check rejects bad ones', () => {
    const custom = objects.filter((o) => o.apiVersion.startsWith('argoproj.io/'));
    assert.equal(ofKind('Rollout').length, SERVICES.length);
    assert.equal(ofKind('AnalysisTemplate').length, Object.keys(TRAFFIC).length);
    for (const object of custom) assert.deepEqual(validateCustomResource(object), [], object.metadata.name);
    const rollout = structuredClone(named('Rollout', 'catalog')) as K8sObject & { spec: Json };
    rollout.spec.strategy.canary.stepz = [];
    rollout.spec.strategy.canary.steps[0].setWeight = '25';
    delete rollout.spec.selector;
    rollout.spec.workloadRef.scaleDown = 7;
    assert.deepEqual(validateCustomResource(rollout).sort(), [
      'spec.strategy.canary.steps[0].setWeight must be integer',
      'spec.workloadRef.scaleDown must be string',
      'unknown field spec.strategy.canary.stepz',
    ]);
    const template = structuredClone(ofKind('AnalysisTemplate')[0]) as K8sObject & { spec: Json };
    delete template.spec.metrics[0].name;
    template.spec.metrics[0].provider.prometheus.qurey = 'up';
    assert.deepEqual(validateCustomResource(template).sort(), [
      "spec.metrics[0] must have required property 'name'",
      'unknown field spec.metrics[0].provider.prometheus.qurey',
    ]);
  });

  it('runs each service as a Rollout of its Deployment (0 replicas), surge 1, unavailable 0, aborting on failure', () => {
    for (const svc of SERVICES) {
      const rollout = spec(named('Rollout', svc.name) as K8sObject);
      const deployment = workloads(objects).find(
        (w) => w.name === svc.name && w.object.kind === 'Deployment',
      );
      assert.ok(deployment, `${svc.name}: no Deployment`);
      assert.deepEqual(rollout.workloadRef, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: svc.name,
        scaleDown: 'never',
      });
      assert.equal(spec(deployment.object).replicas, 0, `${svc.name}: the Deployment would run pods too`);
      assert.deepEqual(rollout.selector, spec(deployment.object).selector);
      assert.ok(selects(rollout.selector, deployment.templateLabels), `${svc.name}: selector vs template`);
      const canary = rollout.strategy.canary;
      assert.equal(canary.maxSurge, 1);
      assert.equal(canary.maxUnavailable, 0);
      assert.equal(rollout.progressDeadlineAbort, true);
      assert.ok(rollout.progressDeadlineSeconds > 60, 'longer than the pods start-up budget');
      const weights = canary.steps.filter((s: Json) => 'setWeight' in s).map((s: Json) => s.setWeight);
      assert.ok(weights.length >= 2 && weights.every((w: number) => w > 0 && w < 100), `${svc.name}: steps`);
      assert.ok(
        canary.steps.every((s: Json) => !('pause' in s) || s.pause.duration),
        `${svc.name}: a pause without a duration waits for a human`,
      );
      assert.ok(canary.analysis.startingStep < canary.steps.length);
      const spread = deployment.pod.topologySpreadConstraints?.[0] as Json;
      assert.deepEqual(spread.matchLabelKeys, [ROLLOUT_HASH_LABEL], `${svc.name}: spread per ReplicaSet`);
    }
  });

  it('names an AnalysisTemplate for each Rollout that exists and gets exactly the arguments it declares', () => {
    for (const svc of SERVICES) {
      const analysis = spec(named('Rollout', svc.name) as K8sObject).strategy.canary.analysis;
      for (const ref of analysis.templates) {
        const template = named('AnalysisTemplate', ref.templateName);
        assert.ok(template, `${svc.name}: AnalysisTemplate ${ref.templateName} is not rendered in rebound`);
        const declared = spec(template)
          .args.filter((a: Json) => a.value === undefined)
          .map((a: Json) => a.name);
        assert.deepEqual(analysis.args.map((a: Json) => a.name).sort(), [...declared].sort(), svc.name);
      }
      const byName = Object.fromEntries(analysis.args.map((a: Json) => [a.name, a]));
      assert.equal(byName.service.value, svc.name);
      assert.deepEqual(byName['canary-hash'].valueFrom, { podTemplateHashValue: 'Latest' });
      assert.deepEqual(byName['stable-hash'].valueFrom, { podTemplateHashValue: 'Stable' });
    }
  });

  it('queries the Prometheus Service of the monitoring component, which Argo (namespace argo-rollouts) may reach', () => {
    const url = new URL(PROMETHEUS_ADDRESS);
    const [name, namespace] = url.hostname.split('.');
    const service = named('Service', name as string, namespace);
    assert.ok(service, `${url.hostname} names no rendered Service`);
    assert.ok(spec(service).ports.some((p: Json) => p.port === Number(url.port)));
    for (const t of ofKind('AnalysisTemplate')) {
      for (const m of spec(t).metrics) assert.equal(m.provider.prometheus.address, PROMETHEUS_ADDRESS);
    }
    // Argo's controller runs in namespace argo-rollouts: once a policy isolates Prometheus, one must admit it.
    const prometheusPods = workloads(objects).find(
      (w) => w.namespace === namespace && selects({ matchLabels: spec(service).selector }, w.templateLabels),
    );
    assert.ok(prometheusPods, 'the Prometheus Service selects no pods');
    const isolating = ofKind('NetworkPolicy').filter(
      (p) =>
        p.metadata.namespace === namespace &&
        (spec(p).policyTypes ?? ['Ingress']).includes('Ingress') &&
        selects(spec(p).podSelector, prometheusPods.templateLabels),
    );
    if (isolating.length > 0) {
      const admitted = isolating
        .flatMap((p) => spec(p).ingress ?? [])
        .some(
          (rule: Json) =>
            !rule.from ||
            rule.from.some(
              (f: Json) =>
                f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'argo-rollouts',
            ),
        );
      assert.ok(admitted, 'Prometheus is isolated and does not admit the argo-rollouts namespace');
    }
  });

  it('parses every analysis query with promtool (arguments substituted as Argo does)', {
    skip: skipUnlessBinary('promtool', 'prometheus'),
  }, () => {
    const all = queries();
    assert.equal(all.length, 2 * Object.keys(TRAFFIC).length);
    const rules = {
      groups: [
        {
          name: 'analysis',
          rules: all.map((q, i) => ({
            record: `analysis:${q.metric.replace('-', '_')}:${i}`,
            expr: withArgs(q.query),
          })),
        },
      ],
    };
    const file = join(dir, 'analysis.yml');
    writeFileSync(file, stringify(rules));
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${all.length} rules found`));
    assert.doesNotMatch(withArgs(all.map((q) => q.query).join('\n')), /\{\{/);
  });

  it('reads only series the services export (named in the code) with labels they or the scrape job set', () => {
    const red = read('libs/observability/src/metrics/red.metrics.ts');
    const sides = (/export type CallSide = ([^;]+);/.exec(red)?.[1] ?? '').match(/[a-z_]+/g) ?? [];
    assert.ok(sides.length >= 3, 'CallSide not found in red.metrics.ts');
    assert.match(red, /name: `rebound_\$\{side\}_requests_total`/);
    assert.match(red, /name: `rebound_\$\{side\}_duration_seconds`/);
    assert.match(red, /labelNames: \['operation', 'outcome'\]/);
    const exported = new Set(
      sides.flatMap((side) => [`rebound_${side}_requests_total`, `rebound_${side}_duration_seconds_bucket`]),
    );
    // Which server side each kind of traffic records, where the code creates it.
    const creators: Record<string, [string, string]> = {
      'rebound-canary-grpc': ['libs/service-defaults/src/grpc.bootstrap.ts', 'rpc_server'],
      'rebound-canary-http': ['libs/service-defaults/src/http/http.bootstrap.ts', 'http_server'],
      'rebound-canary-kafka': ['libs/messaging/src/messaging.metrics.ts', 'kafka_handler'],
    };
    const prometheus = parse(read('k8s/components/monitoring/prometheus.yml'));
    const job = prometheus.scrape_configs.find((s: Json) => s.job_name === 'rebound-services');
    const scrapeLabels = new Set(job.relabel_configs.map((r: Json) => r.target_label).filter(Boolean));
    const hashSource = job.relabel_configs.find((r: Json) => r.target_label === HASH_LABEL)?.source_labels;
    assert.deepEqual(hashSource, [`__meta_kubernetes_pod_label_${ROLLOUT_HASH_LABEL.replaceAll('-', '_')}`]);
    for (const q of queries()) {
      const [file, side] = creators[q.template] ?? [];
      assert.ok(file && side, `${q.template}: unknown traffic`);
      assert.match(read(file), new RegExp(`createRedMetrics\\([^)]*'${side}'\\)`), `${file} records ${side}`);
      const names = metricNames(q.query);
      assert.ok(names.length > 0, `${q.template}/${q.metric}: no metric found`);
      for (const name of names) {
        assert.ok(exported.has(name), `${q.template}/${q.metric}: ${name} is not exported`);
        assert.ok(name.startsWith(`rebound_${side}_`), `${q.template}/${q.metric}: ${name} is not ${side}`);
      }
      for (const label of labelNames(q.query)) {
        assert.ok(
          ['operation', 'outcome', 'le'].includes(label) || scrapeLabels.has(label),
          `${q.template}/${q.metric}: label ${label} is set by nobody`,
        );
      }
    }
    assert.deepEqual(metricNames('sum(rate(x_total{a="b"}[1m])) / on() vector(1)'), ['x_total']);
  });

  it('judges gRPC failures by the same codes as the local rollout, health checks left out', () => {
    const local = read('infra/local/src/rollout.analysis.ts');
    const set = /const SERVER_FAILURES = new Set\(\[([^\]]+)\]\)/.exec(local)?.[1] ?? '';
    assert.deepEqual(
      [...set.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort(),
      [...GRPC_SERVER_FAILURES].sort(),
    );
    assert.match(local, /IGNORED_OPERATION = \/\^grpc\\\.health\\\.\//);
    const grpc = queries().filter((q) => q.template === TRAFFIC.grpc.template);
    for (const q of grpc) assert.match(q.query, /operation!~"\/\?grpc\\\\\.health\\\\\.\.\*"/);
  });

  it('scales every Rollout with an HPA (min 2) and keeps one pod per PDB available at the HPA minimum', () => {
    for (const svc of SERVICES) {
      const hpa = ofKind('HorizontalPodAutoscaler').find((h) => spec(h).scaleTargetRef.name === svc.name);
      assert.ok(hpa, `${svc.name}: no HPA`);
      assert.deepEqual(spec(hpa).scaleTargetRef, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        name: svc.name,
      });
      assert.ok(named('Rollout', svc.name), `${svc.name}: the HPA's target is not rendered`);
      const min = spec(hpa).minReplicas as number;
      assert.ok(min >= 2, `${svc.name}: minReplicas ${min}`);
      const template = workloads(objects).find((w) => w.name === svc.name)?.templateLabels ?? {};
      const pdbs = ofKind('PodDisruptionBudget').filter(
        (p) => p.metadata.namespace === 'rebound' && selects(spec(p).selector, template),
      );
      assert.equal(pdbs.length, 1, `${svc.name}: ${pdbs.length} PDBs select its pods`);
      const pdb = spec(pdbs[0] as K8sObject);
      assert.ok(
        pdb.maxUnavailable >= 1 && pdb.maxUnavailable < min,
        `${svc.name}: maxUnavailable vs min ${min}`,
      );
      // The PDB selects the Rollout's pods (stable and canary alike), and no other service's.
      assert.ok(selects(pdb.selector, { ...template, [ROLLOUT_HASH_LABEL]: 'any' }));
      for (const other of SERVICES.filter((s) => s.name !== svc.name)) {
        const labels = workloads(objects).find((w) => w.name === other.name)?.templateLabels ?? {};
        assert.ok(!selects(pdb.selector, labels), `${svc.name}'s PDB selects ${other.name}'s pods`);
      }
    }
  });

  it('keeps the KEDA ScaledObject on the Rollout too', async () => {
    const keda = await renderCombination(['base'], ['keda-notifications']);
    const scaled = keda.find((o) => o.kind === 'ScaledObject') as Json;
    assert.deepEqual(scaled.spec.scaleTargetRef, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      name: 'notifications',
    });
    assert.ok(keda.some((o) => o.kind === 'Rollout' && o.metadata.name === 'notifications'));
  });

  it('demonstrates a bad rollout with a profile the services accept (kind:chaos bad-rollout)', async () => {
    const chaos = read('infra/kind/chaos.sh');
    const value = /set env "deploy\/\$\{service\}" REBOUND_VERSION=bad REBOUND_BEHAVIOUR=(\S+)/.exec(
      chaos,
    )?.[1];
    assert.ok(value, 'no bad-rollout experiment');
    const { baseConfigShape } = (await import(
      join(repoRoot, 'libs/service-defaults/src/config/service.config.ts')
    )) as {
      baseConfigShape: Record<string, { safeParse(v: unknown): { success: boolean } }>;
    };
    assert.ok(
      baseConfigShape.REBOUND_BEHAVIOUR?.safeParse(value).success,
      `REBOUND_BEHAVIOUR=${value} is refused`,
    );
    assert.equal(baseConfigShape.REBOUND_BEHAVIOUR?.safeParse('error-ratio=2').success, false);
    assert.match(chaos, /set env "deploy\/\$\{service\}" REBOUND_VERSION- REBOUND_BEHAVIOUR-/, 'undo');
  });

  it('is what kind:up waits for: every Rollout Healthy, not a Deployment rollout', () => {
    const up = read('infra/kind/up.sh');
    assert.match(up, /wait_rollout "\$service" \d+/);
    assert.doesNotMatch(up, /rollout status "deploy\/\$\{service\}"/);
    assert.match(read('infra/kind/lib.sh'), /rollout\/\$1" --for=jsonpath='\{\.status\.phase\}'=Healthy/);
    assert.ok(
      readFileSync(join(K8S_DIR, 'base', 'kustomization.yaml'), 'utf8').includes('analysis-templates.yaml'),
    );
  });
});
