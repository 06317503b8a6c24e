// The degradation store of a service on Kubernetes: one ConfigMap through the API. No cluster runs here, so the
// API server's side is a loopback server that keeps the ConfigMap and applies merge patches as the API does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HealthProbes } from '@rebound/health';
import { KubeClient } from '@rebound/kube';
import { ConfigError } from '@rebound/observability';
import {
  baseConfigSchema,
  configMapDegradationStore,
  DegradationFlags,
  degradationStoreFor,
  type Logger,
  loadConfig,
} from '@rebound/service-defaults';
import { type KubeAnswer, type SeenRequest, startKubeApi } from '@rebound/testing';
import { Registry } from 'prom-client';

const PATH = '/api/v1/namespaces/rebound/configmaps/gateway-degradation';

describe('degradation flags kept in a ConfigMap (Kubernetes)', () => {
  let data: Record<string, string> = {};
  let refuse: KubeAnswer | undefined;
  let api: Awaited<ReturnType<typeof startKubeApi>>;
  let kube: KubeClient;
  const patches = (): SeenRequest[] => api.seen.filter((r) => r.method === 'PATCH');

  before(async () => {
    api = await startKubeApi((key, body) => {
      if (refuse) return refuse;
      if (key === `GET ${PATH}`) return { status: 200, body: { kind: 'ConfigMap', data } };
      if (key === `PATCH ${PATH}`) {
        data = { ...data, ...(body as { data: Record<string, string> }).data };
        return { status: 200, body: { kind: 'ConfigMap', data } };
      }
      return undefined;
    });
    kube = new KubeClient({ baseUrl: api.url, namespace: 'rebound', token: () => 'pod-token' });
  });
  after(() => api.close());

  let stamps = 0;
  const pod = async (lines: string[] = []) => {
    const logger = {
      warn: (_f: unknown, line: string) => lines.push(`warn ${line}`),
      info: (_f: unknown, line: string) => lines.push(`info ${line}`),
      error: (_f: unknown, line: string) => lines.push(`error ${line}`),
    } as unknown as Logger;
    const store = configMapDegradationStore(kube, 'gateway-degradation');
    await store.load();
    const flags = new DegradationFlags({
      registry: new Registry(),
      logger,
      probes: new HealthProbes(),
      store,
      stamp: () => `2026-01-01T00:00:0${++stamps}.000Z`,
    });
    return { flags, flag: flags.declare('serve-cached-catalog', 'serve the last good catalog'), lines };
  };

  it('a switch at one pod is one merge patch of its key with the pod token; another pod takes it at its next read, a restarted pod at start', async () => {
    data = { 'other-flag.json': '{"on":true,"since":null,"reason":"kept"}' };
    const a = await pod();
    const b = await pod();
    await a.flags.set('serve-cached-catalog', true, 'remediation: CatalogUnavailable firing');
    assert.deepEqual(
      patches().map((p) => ({ type: p.contentType, authorization: p.authorization, body: p.body })),
      [
        {
          type: 'application/merge-patch+json',
          authorization: 'Bearer pod-token',
          body: {
            data: {
              'serve-cached-catalog.json': JSON.stringify({
                on: true,
                since: '2026-01-01T00:00:01.000Z',
                reason: 'remediation: CatalogUnavailable firing',
              }),
            },
          },
        },
      ],
    );
    assert.equal(
      data['other-flag.json'],
      '{"on":true,"since":null,"reason":"kept"}',
      'another key untouched',
    );
    assert.equal(b.flag.on, false, 'b has not read the ConfigMap yet');
    await b.flags.refresh();
    assert.deepEqual(b.flags.states()['serve-cached-catalog'], a.flags.states()['serve-cached-catalog']);

    const lines: string[] = [];
    const restarted = await pod(lines);
    assert.equal(restarted.flag.on, true, 'on from its first call');
    assert.match(
      lines[0] ?? '',
      /^warn degradation flag serve-cached-catalog ON at start, as kept in ConfigMap rebound\/gateway-degradation since 2026-/,
    );
  });

  it('a switch the API refuses is refused with its reason, and the pod keeps its state', async () => {
    data = {};
    const a = await pod();
    refuse = {
      status: 403,
      body: { kind: 'Status', message: 'configmaps "gateway-degradation" is forbidden' },
    };
    try {
      await assert.rejects(a.flags.set('serve-cached-catalog', true, 'operator'), {
        message:
          'ConfigMap rebound/gateway-degradation: PATCH answered 403: configmaps "gateway-degradation" is forbidden',
      });
    } finally {
      refuse = undefined;
    }
    assert.equal(a.flag.on, false);
  });

  it('a ConfigMap that cannot be read at start leaves the flags off; the next read takes them', async () => {
    data = { 'serve-cached-catalog.json': '{"on":true,"since":"2026-01-01T00:00:00.000Z","reason":"kept"}' };
    refuse = { status: 500, body: { kind: 'Status', message: 'etcdserver: request timed out' } };
    const store = configMapDegradationStore(kube, 'gateway-degradation');
    await assert.rejects(store.load(), /GET answered 500: etcdserver: request timed out/);
    refuse = undefined;
    assert.equal(store.readSync('serve-cached-catalog'), undefined);
    assert.equal((await store.read('serve-cached-catalog'))?.on, true);
  });

  it('is chosen by DEGRADATION_CONFIGMAP; with DEGRADATION_DIR too, or outside a pod, the configuration is refused', () => {
    const config = (env: Record<string, string>) => loadConfig(baseConfigSchema, env);
    const viaProxy = { DEGRADATION_CONFIGMAP: 'gateway-degradation', KUBE_API_URL: api.url };
    assert.equal(
      degradationStoreFor(config(viaProxy), { POD_NAMESPACE: 'rebound' })?.where,
      'ConfigMap rebound/gateway-degradation',
    );
    assert.throws(
      () => degradationStoreFor(config({ ...viaProxy, DEGRADATION_DIR: '/tmp/flags' }), {}),
      (error: Error) => error instanceof ConfigError && /set one, not both/.test(error.message),
    );
    const outside = { DEGRADATION_CONFIGMAP: 'gateway-degradation' };
    assert.throws(
      () => degradationStoreFor(config(outside), {}),
      (error: Error) =>
        error instanceof ConfigError && /KUBERNETES_SERVICE_HOST is not set/.test(error.message),
    );
    assert.throws(() => config({ DEGRADATION_CONFIGMAP: 'Not_A_Name' }), /expected a Kubernetes object name/);
  });
});
