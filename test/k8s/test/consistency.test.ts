/** The manifests against the code: ports, probe paths, variables the services read, the scraped port, topics. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { freePort, startServiceProcess } from '@rebound/testing';
import { parse } from 'yaml';
import {
  ADMIN_PORT,
  adminProbePaths,
  appExists,
  type Container,
  envReadBy,
  GRPC_PORT,
  grpcHealthOverall,
  HTTP_PORT,
  type Json,
  K8S_DIR,
  type K8sObject,
  ordersEventsTopic,
  renderCombination,
  repoRoot,
  SERVICES,
  servesMetrics,
  skipUnlessKustomize,
  storageReadsPerServiceUrl,
  type Workload,
  workloads,
} from '../src/index.ts';

interface Schema {
  safeParse(value: unknown): {
    success: boolean;
    data?: unknown;
    error?: { issues: { path: unknown[]; message: string }[] };
  };
}
const serviceConfigPath = join(repoRoot, 'libs/service-defaults/src/config/service.config.ts');
const { addressList, baseConfigSchema } = (await import(serviceConfigPath)) as {
  addressList: Schema;
  baseConfigSchema: Schema;
};

const skip = skipUnlessKustomize();
let objects: K8sObject[] = [];
let apps: Workload[] = [];
const container = (name: string): Container => {
  const c = apps.find((w) => w.name === name)?.pod.containers[0];
  assert.ok(c, `no Deployment ${name}`);
  return c;
};
const plainEnv = (c: Container) =>
  Object.fromEntries(
    (c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]),
  );
const portNamed = (c: Container, name: string) => c.ports?.find((p) => p.name === name)?.containerPort;

describe('manifests match the code', { skip }, () => {
  before(async () => {
    objects = await renderCombination(['overlays/kind'], ['keda-notifications']);
    apps = workloads(objects).filter(
      (w) => SERVICES.some((s) => s.name === w.name) && w.namespace === 'rebound',
    );
  });

  it('has an app folder for every service, except notifications (built by a later session)', () => {
    for (const spec of SERVICES) {
      if (spec.name === 'notifications') continue;
      assert.ok(appExists(spec.name), `apps/${spec.name} does not exist`);
      assert.notEqual(spec.pending, true, `${spec.name} is marked pending but exists`);
    }
    assert.ok(SERVICES.filter((s) => s.pending).every((s) => s.name === 'notifications'));
  });

  it('sets only variables each service reads (its config schema, storage, Node)', () => {
    for (const spec of SERVICES.filter((s) => appExists(s.name))) {
      const reads = envReadBy(spec.name);
      assert.ok(reads.has('ADMIN_PORT') && reads.size > 8, `${spec.name}: could not read its schema`);
      for (const variable of container(spec.name).env ?? []) {
        assert.ok(reads.has(variable.name), `${spec.name} does not read ${variable.name}`);
      }
    }
    assert.ok(storageReadsPerServiceUrl(), 'libs/storage no longer reads <SERVICE>_DATABASE_URL');
  });

  it("exports every service's traces to the collector's OTLP/HTTP port, named after the service", async () => {
    const { parseTracingConfig } = (await import(
      join(repoRoot, 'libs/observability/src/tracing/tracing.config.ts')
    )) as { parseTracingConfig: (service: string, env: NodeJS.ProcessEnv) => { exporter: string } };
    for (const spec of SERVICES) {
      const c = container(spec.name);
      const endpoint = new URL(plainEnv(c).OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://missing');
      const [serviceName, namespace] = endpoint.hostname.split('.');
      const collector = objects.find(
        (o) => o.kind === 'Service' && o.metadata.name === serviceName && o.metadata.namespace === namespace,
      );
      assert.ok(collector, `${spec.name}: ${endpoint.hostname} names no Service`);
      const port = (collector.spec as Json).ports.find((p: Json) => p.port === Number(endpoint.port));
      assert.equal(port?.name, 'otlp-http', `${spec.name}: the exporter speaks OTLP over HTTP`);
      const ref = c.env?.find((e) => e.name === 'OTEL_SERVICE_NAME')?.valueFrom?.fieldRef;
      const name = (ref as { fieldPath?: string } | undefined)?.fieldPath;
      assert.equal(name, "metadata.labels['app.kubernetes.io/name']");
      assert.equal(
        apps.find((w) => w.name === spec.name)?.templateLabels['app.kubernetes.io/name'],
        spec.name,
      );
      assert.equal(parseTracingConfig(spec.name, plainEnv(c)).exporter, 'otlp');
    }
  });

  it('gives values the services accept (base config schema; address lists name headless Services)', () => {
    for (const spec of SERVICES) {
      const env = plainEnv(container(spec.name));
      if (spec.transport !== 'http') {
        const result = baseConfigSchema.safeParse(env);
        assert.ok(result.success, `${spec.name}: ${JSON.stringify(result.error?.issues)}`);
      }
      const lists = Object.entries(env).filter(([n]) => n.endsWith('_ADDRS'));
      assert.equal(lists.length, spec.calls.length, `${spec.name}: one _ADDRS per callee`);
      for (const [name, value] of lists) {
        const parsed = addressList.safeParse(value);
        assert.ok(parsed.success, `${spec.name}: ${name}=${value}`);
        // One dns:/// string, which @rebound/rpc resolves to every pod; a list would pin one channel to one pod.
        assert.equal(typeof parsed.data, 'string', `${spec.name}: ${name}=${value} is not a dns:/// target`);
        const match = /^dns:\/\/\/([a-z0-9-]+):(\d+)$/.exec(value);
        assert.ok(match, `${spec.name}: ${name}=${value}: expected dns:///<service>:<port> (short name)`);
        const [, host, port] = match;
        const namespace = apps.find((w) => w.name === spec.name)?.namespace;
        const callee = objects.find(
          (o) =>
            o.kind === 'Service' &&
            o.metadata.name === host &&
            (o.metadata.namespace ?? 'default') === namespace,
        );
        assert.ok(callee, `${spec.name}: ${name} names no Service in ${namespace}`);
        assert.equal(
          (callee.spec as Json).clusterIP,
          'None',
          `${spec.name}: ${name} names ${host}, which is not headless (DNS would give one virtual IP)`,
        );
        assert.ok(
          (callee.spec as Json).ports.some((p: Json) => p.port === Number(port) && p.name === 'grpc'),
          `${spec.name}: ${name}: ${host} has no grpc port ${port}`,
        );
        assert.ok(
          SERVICES.find((s) => s.name === host)?.callers.includes(spec.name),
          `${host} does not admit ${spec.name}`,
        );
      }
    }
  });

  it('declares the ports the env configures, and probes paths the admin server answers', () => {
    const paths = adminProbePaths();
    assert.deepEqual(paths.sort(), ['/livez', '/readyz', '/startupz']);
    assert.ok(grpcHealthOverall(), 'the gRPC server no longer reports an overall ("") health status');
    for (const spec of SERVICES) {
      const c = container(spec.name);
      const env = plainEnv(c);
      assert.equal(Number(env.ADMIN_PORT), portNamed(c, 'admin'));
      assert.equal(portNamed(c, 'admin'), ADMIN_PORT);
      if (spec.transport === 'grpc') {
        assert.equal(Number(env.GRPC_PORT), portNamed(c, 'grpc'));
        assert.equal(c.startupProbe?.grpc?.port, GRPC_PORT);
        assert.equal(c.startupProbe?.grpc?.service, '');
      }
      if (spec.transport === 'http') assert.equal(Number(env.HTTP_PORT), portNamed(c, 'http'));
      assert.equal(portNamed(c, 'http') ?? HTTP_PORT, HTTP_PORT);
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        if (probe?.httpGet) {
          assert.ok(paths.includes(probe.httpGet.path), `${spec.name}: ${probe.httpGet.path} is not served`);
          assert.equal(probe.httpGet.port, 'admin');
        }
      }
    }
  });

  it('scrapes the port that serves /metrics, with the job name the rules expect', () => {
    assert.ok(servesMetrics('libs/service-defaults/src/grpc.bootstrap.ts'));
    assert.ok(servesMetrics('libs/service-defaults/src/http/http.bootstrap.ts'));
    assert.match(
      readFileSync(join(repoRoot, 'apps/gateway/src/app.bootstrap.ts'), 'utf8'),
      /\bbootstrapHttp\(/,
      'the gateway is served by the HTTP tier',
    );
    const cluster = parse(readFileSync(join(K8S_DIR, 'components/monitoring/prometheus.yml'), 'utf8'));
    const local = parse(readFileSync(join(repoRoot, 'infra/prometheus/prometheus.yml'), 'utf8'));
    const job = cluster.scrape_configs.find((s: Json) => s.job_name === 'rebound-services');
    assert.ok(job, 'no rebound-services job in the cluster config');
    assert.ok(
      local.scrape_configs.some((s: Json) => s.job_name === job.job_name),
      'job names differ from infra/',
    );
    const keep = job.relabel_configs.find(
      (r: Json) => r.source_labels[0] === '__meta_kubernetes_endpointslice_port_name',
    );
    assert.equal(keep.regex, 'metrics');
    const targets = job.relabel_configs.map((r: Json) => r.target_label).filter(Boolean);
    assert.ok(targets.includes('service') && targets.includes('instance'), 'labels the rules group by');
    for (const spec of SERVICES) {
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === spec.name) as Json;
      const metrics = service.spec.ports.find((p: Json) => p.name === 'metrics');
      assert.equal(portNamed(container(spec.name), metrics.targetPort), ADMIN_PORT);
    }
  });

  it('scales notifications on the topic the orders events are published to', () => {
    const scaled = objects.find((o) => o.kind === 'ScaledObject') as Json;
    assert.equal(scaled.spec.triggers[0].metadata.topic, ordersEventsTopic());
    assert.match(scaled.spec.triggers[0].metadata.bootstrapServers, /^kafka\.rebound\.svc:9092$/);
  });

  it('runs the real catalog with its manifest env: every probe path and /metrics answer 200, SIGTERM exits 0', async () => {
    const c = container('catalog');
    const env: Record<string, string> = {
      ...plainEnv(c),
      SERVICE_NAME: 'catalog',
      SERVICE_INSTANCE: 'catalog-k8s-test',
      ADMIN_TOKEN: 'k8s-test-admin-token',
      HOST: '127.0.0.1', // the manifest binds 0.0.0.0; tests stay on loopback
      GRPC_PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      // Readiness sheds when the event loop lags; a CI box busy with other suites must not fail a path check.
      OVERLOAD_EVENT_LOOP_DELAY_MS: '60000',
    };
    await using service = await startServiceProcess({
      script: join(repoRoot, 'apps/catalog/dist/main.js'),
      env,
    });
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      if (!probe?.httpGet) continue;
      const response = await fetch(`${service.adminUrl}${probe.httpGet.path}`);
      await response.arrayBuffer();
      assert.equal(
        response.status,
        200,
        `${probe.httpGet.path}: ${await (await fetch(`${service.adminUrl}${probe.httpGet.path}?verbose`)).text()}`,
      );
    }
    const metrics = await fetch(`${service.adminUrl}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^process_cpu_user_seconds_total/m);
    assert.equal(await service.stop(), 0);
  });
});
