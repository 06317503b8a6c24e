/**
 * The remediation controller on the kind overlay, offline: its Role grants exactly the API calls its Kubernetes
 * actions make (read from the code), Alertmanager's remediation receiver reaches its Service, the NetworkPolicies
 * let Alertmanager and Prometheus in and the controller out to the API server, and the Deployment runs the
 * controller's real entry point.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { parse } from 'yaml';
import {
  CLUSTER_REMEDIATION_URL,
  type Container,
  type Json,
  type K8sObject,
  renderCombination,
  repoRoot,
  SERVICES,
  selects,
  skipUnlessKustomize,
  type Workload,
  workloads,
} from '../src/index.ts';

const skip = skipUnlessKustomize();
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
let objects: K8sObject[] = [];
let controller: Workload;
const spec = (o: K8sObject) => o.spec as Json;
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);

/** `group/resource[/subresource]:verb` of one API path and method, as RBAC sees it. */
function permission(method: string, path: string): string {
  const match =
    /^\/(?:api\/v1|apis\/([a-z0-9.-]+)\/v[0-9a-z]+)\/namespaces\/\$\{[^}]+\}\/([a-z]+)(\/\$\{[^}]+\})?(\/[a-z]+)?$/.exec(
      path,
    );
  assert.ok(match, `unexpected API path ${path}`);
  const [, group = '', resource, name, sub] = match;
  const verb = { GET: name ? 'get' : 'list', POST: 'create', PATCH: 'patch', DELETE: 'delete' }[method];
  assert.ok(verb, method);
  return `${group}/${resource}${sub ?? ''}:${verb}`;
}

/** Every API call of the Kubernetes actions: `kube.<method>(\`<path>` up to a query string. */
function callsInCode(): string[] {
  const code = read('infra/remediation/src/actions.kubernetes.ts');
  const calls = [...code.matchAll(/kube\.(get|post|patch)\(\s*`([^`?]+)/g)].map((m) =>
    permission((m[1] as string).toUpperCase(), m[2] as string),
  );
  return [...new Set(calls)].sort();
}

describe('the remediation controller on the kind overlay', { skip }, () => {
  let dir = '';
  before(async () => {
    objects = await renderCombination(['overlays/kind'], []);
    const found = workloads(objects).find((w) => w.name === 'remediation');
    assert.ok(found, 'no remediation Deployment rendered');
    controller = found;
    dir = mkdtempSync(join(tmpdir(), 'rebound-remediation-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('grants exactly the API calls its actions make, in its namespace, to its own ServiceAccount', () => {
    const needed = callsInCode();
    assert.deepEqual(needed, [
      '/pods/eviction:create',
      '/pods:get',
      '/pods:list',
      'apps/deployments:patch',
      'apps/replicasets:list',
      'argoproj.io/rollouts/status:patch',
      'argoproj.io/rollouts:get',
    ]);
    const roles = ofKind('Role').filter((r) => r.metadata.name === 'remediation');
    assert.equal(roles.length, 1);
    const role = roles[0] as Json;
    assert.equal(role.metadata.namespace, 'rebound');
    const granted = role.rules
      .flatMap((r: Json) =>
        r.apiGroups.flatMap((g: string) =>
          r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g}/${res}:${v}`)),
        ),
      )
      .sort();
    assert.deepEqual(granted, needed, 'the Role must grant what the code calls, and nothing more');
    for (const rule of role.rules) {
      for (const name of rule.resourceNames ?? [])
        assert.ok(
          SERVICES.some((s) => s.name === name),
          `resourceNames: ${name} is no service`,
        );
    }
    assert.ok(!JSON.stringify(role.rules).includes('*'), 'no wildcard');
    assert.equal(
      ofKind('ClusterRoleBinding').filter((b) => JSON.stringify(b).includes('remediation')).length,
      0,
    );
    const binding = ofKind('RoleBinding').find((b) => (b as Json).roleRef.name === 'remediation') as Json;
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: controller.pod.serviceAccountName, namespace: 'rebound' },
    ]);
    assert.equal(controller.pod.automountServiceAccountToken, true, 'the controller needs its token');
    const account = ofKind('ServiceAccount').find((a) => a.metadata.name === 'remediation') as Json;
    assert.equal(account.automountServiceAccountToken, false, 'only the pod opts in');
  });

  it('runs the real entry point with --platform kubernetes on the port its Service and probes use', () => {
    const c = controller.pod.containers[0] as Container & { command?: string[] };
    const command = c.command ?? [];
    assert.deepEqual(command.slice(0, 2), ['node', 'dist/cli.js']);
    const tsconfig = JSON.parse(read('infra/remediation/tsconfig.build.json'));
    assert.equal(tsconfig.compilerOptions.outDir, 'dist');
    assert.equal(tsconfig.compilerOptions.rootDir, 'src');
    read('infra/remediation/src/cli.ts');
    const arg = (flag: string) => command[command.indexOf(flag) + 1];
    assert.equal(arg('--platform'), 'kubernetes');
    assert.equal(arg('--host'), '0.0.0.0');
    const port = Number(arg('--port'));
    assert.equal(c.ports?.find((p) => p.name === 'http')?.containerPort, port);
    assert.ok(
      c.volumeMounts?.some((m) => m.mountPath === arg('--data-root')),
      'the audit log needs a writable volume',
    );
    for (const probe of [c.readinessProbe, c.livenessProbe]) assert.equal(probe?.httpGet?.path, '/healthz');
    assert.match(read('infra/remediation/src/remediation.server.ts'), /path === '\/healthz'/);
    assert.equal(c.image.split(':')[0], 'rebound/remediation');
    assert.equal(JSON.parse(read('infra/remediation/package.json')).name, '@rebound/remediation');
    assert.match(read('infra/kind/up.sh'), /images="\$present remediation"/);
    assert.match(read('infra/kind/render.sh'), /for service in \$SERVICES remediation; do/);
  });

  it("sends Alertmanager's remediation receiver to the controller's Service, and amtool routes alerts there", {
    skip: skipUnlessBinary('amtool', 'prometheus-alertmanager'),
  }, () => {
    const config = ofKind('ConfigMap').find((m) => m.metadata.name === 'alertmanager-config') as Json;
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, config.data['alertmanager.yml']);
    const check = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const route = spawnSync(
      'amtool',
      [
        'config',
        'routes',
        'test',
        `--config.file=${file}`,
        '--verify.receivers=remediation,local-ticket',
        'remediation=restart-replica',
        'severity=ticket',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(route.status, 0, route.stdout + route.stderr);
    const receiver = parse(config.data['alertmanager.yml']).receivers.find(
      (r: Json) => r.name === 'remediation',
    );
    const url = new URL(receiver.webhook_configs[0].url);
    assert.equal(url.href, CLUSTER_REMEDIATION_URL);
    assert.equal(url.pathname, '/alerts');
    assert.match(
      read('infra/remediation/src/remediation.server.ts'),
      /req\.method === 'POST' && path === '\/alerts'/,
    );
    const [name, namespace] = url.hostname.split('.');
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace,
    ) as Json;
    assert.ok(service, `${url.hostname} names no Service`);
    assert.ok(selects({ matchLabels: service.spec.selector }, controller.templateLabels));
    const port = service.spec.ports.find((p: Json) => p.port === Number(url.port));
    assert.ok(port, `Service ${name} has no port ${url.port}`);
    assert.equal(
      controller.pod.containers[0]?.ports?.find((p) => p.name === port.targetPort)?.containerPort,
      8080,
    );
    assert.ok(
      service.spec.ports.some((p: Json) => p.name === 'metrics'),
      'scraped by the rebound-services job',
    );
  });

  it('admits Alertmanager and Prometheus to the controller, and lets it reach the API server', () => {
    const policies = ofKind('NetworkPolicy').filter(
      (p) => p.metadata.namespace === 'rebound' && selects(spec(p).podSelector, controller.templateLabels),
    );
    const ingress = policies.flatMap((p) => spec(p).ingress ?? []);
    const admits = (app: string) =>
      ingress.some(
        (rule: Json) =>
          (rule.ports ?? []).some((p: Json) => p.port === 8080) &&
          (rule.from ?? []).some(
            (f: Json) =>
              f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring' &&
              f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === app,
          ),
      );
    for (const app of ['alertmanager', 'prometheus']) {
      assert.ok(admits(app), `${app} is not admitted on 8080`);
      assert.ok(
        workloads(objects).some(
          (w) => w.namespace === 'monitoring' && w.templateLabels['app.kubernetes.io/name'] === app,
        ),
        `no ${app} pods in monitoring carry that label`,
      );
    }
    assert.ok(!ingress.some((rule: Json) => !rule.from), 'no rule may admit everyone to the controller');
    const egressPorts = policies
      .filter((p) => (spec(p).policyTypes ?? []).includes('Egress'))
      .flatMap((p) => spec(p).egress ?? [])
      .flatMap((rule: Json) => (rule.ports ?? []).map((p: Json) => p.port));
    for (const port of [443, 6443])
      assert.ok(egressPorts.includes(port), `no egress to the API server on ${port}`);
  });

  it('refuses --platform kubernetes outside a pod with one clear line (real process)', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'infra/remediation/src/cli.ts'),
        '--platform',
        'kubernetes',
        '--port',
        '0',
        '--data-root',
        dir,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
    );
    assert.equal(result.status, 2, result.stderr);
    assert.equal(
      result.stderr,
      'remediation: --platform kubernetes: not in a pod: KUBERNETES_SERVICE_HOST is not set\n',
    );
    const bad = spawnSync(
      process.execPath,
      [join(repoRoot, 'infra/remediation/src/cli.ts'), '--platform', 'nomad'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--platform must be local or kubernetes, got nomad/);
  });
});
